using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

namespace Pax.Live.Server.Tests;

/// <summary>The HTTP side as shipped: sign-in throttled, security headers, CORS closed, sizes bounded.</summary>
public sealed class HardeningTests(TrustedServerFixture fixture) : IClassFixture<TrustedServerFixture>
{
    private ServerProcess Server => fixture.Server;

    [Fact]
    public async Task GuessingPasswordsIsThrottledWithAProblem()
    {
        using var anonymous = new HttpClient { BaseAddress = Server.BaseAddress };
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 7; i++)
        {
            last?.Dispose();
            last = await anonymous.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "guess-" + i });
            statuses.Add(last.StatusCode);
        }

        // The fixture signed the admin in once at start: the window holds five attempts.
        Assert.Contains(HttpStatusCode.Unauthorized, statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
        Assert.Equal("application/problem+json", last!.Content.Headers.ContentType?.MediaType);
        Assert.True(last.Headers.RetryAfter is not null);
        last.Dispose();
    }

    [Fact]
    public async Task EveryResponseCarriesSecurityHeadersAndTheMapsTileHostIsTheOnlyOutsideSource()
    {
        using var response = await Server.Http.GetAsync("/api/places");
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("img-src 'self' data: blob: https://*.tiles.example.org;", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src 'self' 'unsafe", csp, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorsIsClosedByDefault()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/places");
        preflight.Headers.Add("Origin", "https://elsewhere.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        using var response = await Server.Http.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        using var simple = new HttpRequestMessage(HttpMethod.Get, "/api/places");
        simple.Headers.Add("Origin", "https://elsewhere.example");
        using var answer = await Server.Http.SendAsync(simple);
        Assert.False(answer.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task OversizedBodiesAndHubMessagesAreRefusedAndTheServerCarriesOn()
    {
        var huge = new StringBuilder("{\"name\":\"");
        huge.Append('x', 2 * 1024 * 1024).Append("\"}");
        using var body = new StringContent(huge.ToString(), Encoding.UTF8, "application/json");
        // Expect: 100-continue, so the client reads the 413 before writing a body the server refuses to read (without
        // it the server's early close can break the pipe under the client's feet).
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/places/too-big") { Content = body };
        request.Headers.ExpectContinue = true;
        using var response = await Server.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);

        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(Server.Token))
            .Build();
        await using var _ = connection;
        await connection.StartAsync();
        var closed = new TaskCompletionSource();
        connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        var ids = Enumerable.Range(0, 20_000).Select(i => $"place-{i:D5}-{new string('x', 50)}").ToArray();
        await Assert.ThrowsAnyAsync<Exception>(() => connection.InvokeAsync<JsonElement[]>("Watch", ids));
        await closed.Task.WaitAsync(TimeSpan.FromSeconds(20));

        // Watching a big town's 10,000 places fits.
        var watcher = new HubConnectionBuilder()
            .WithUrl(new Uri(Server.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(Server.Token))
            .Build();
        await using var __ = watcher;
        await watcher.StartAsync();
        Assert.Empty(await watcher.InvokeAsync<JsonElement[]>("Watch", ids[..10_000]));
        Assert.True(Server.IsRunning);
    }
}
