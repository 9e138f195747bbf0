using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace Pax.Live.Web.Tests;

/// <summary>What went wrong in a page: script errors, console errors, failed requests, and requests that left the server.</summary>
public sealed class PageWatch
{
    private readonly ConcurrentQueue<string> _problems = new();
    private readonly ConcurrentQueue<string> _elsewhere = new();
    private readonly ConcurrentQueue<string> _console = new();

    public PageWatch(IPage page)
    {
        page.PageError += (_, error) => _problems.Enqueue($"page error: {error}");
        page.Console += (_, message) =>
        {
            _console.Enqueue($"{message.Type}: {message.Text}");
            if (message.Type == "error")
            {
                _problems.Enqueue($"console error: {message.Text}");
            }
        };
        page.RequestFailed += (_, request) => _problems.Enqueue($"request failed: {request.Method} {request.Url} ({request.Failure})");
    }

    public IReadOnlyCollection<string> Problems => _problems;

    public IReadOnlyCollection<string> Elsewhere => _elsewhere;

    /// <summary>Everything the page said and what went wrong, for a failure's message.</summary>
    public string Log => string.Join("\n", _console.Concat(_problems));

    /// <summary>Fails with every problem spelt out.</summary>
    public void AssertClean() => Assert.True(_problems.IsEmpty, "The page had problems:\n" + string.Join("\n", _problems));

    /// <summary>Blocks every request to anything but <paramref name="server"/>, as a closed control-room network does.</summary>
    public static async Task<PageWatch> BlockingAllBut(IBrowserContext context, IPage page, Uri server)
    {
        var watch = new PageWatch(page);
        await context.RouteAsync("**/*", async route =>
        {
            var url = new Uri(route.Request.Url);
            if (url.Scheme is "data" or "blob" || (url.Host == server.Host && url.Port == server.Port))
            {
                await route.ContinueAsync();
            }
            else
            {
                watch._elsewhere.Enqueue(route.Request.Url);
                await route.AbortAsync("blockedbyclient");
            }
        });
        return watch;
    }
}
