using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>Steps a person takes on the two pages.</summary>
public static class Pages
{
    public static async Task SignIn(IPage page, PageWatch watch, Uri address, string user, string password)
    {
        await page.GotoAsync(address.ToString());
        await page.Locator("#login input[name=username]").FillAsync(user);
        await page.Locator("#login input[name=password]").FillAsync(password);
        await page.Locator("#login button[type=submit]").ClickAsync();
        try
        {
            await Expect(page.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        }
        catch (PlaywrightException ex)
        {
            throw new InvalidOperationException($"{user} did not get connected; the page said:\n{watch.Log}", ex);
        }
    }

    public static Task<IBrowserContext> ControlRoom(IBrowser browser) => browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 1600, Height = 1000 },
        Locale = "sv-SE",
    });

    public static Task<IBrowserContext> Phone(IBrowser browser) => browser.NewContextAsync(new BrowserNewContextOptions
    {
        ViewportSize = new ViewportSize { Width = 412, Height = 915 },
        IsMobile = true,
        HasTouch = true,
        Locale = "sv-SE",
    });

    /// <summary>An operator's board and a guard's phone, each in its own browser context, signed in and connected.</summary>
    public static async Task<BoardAndPhone> SignInBoardAndPhone(BrowserFixture fixture)
    {
        var control = await ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var boardWatch = new PageWatch(board);
        await SignIn(board, boardWatch, fixture.Server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        var phone = await Phone(fixture.Browser);
        var guard = await phone.NewPageAsync();
        var guardWatch = new PageWatch(guard);
        await SignIn(guard, guardWatch, new Uri(fixture.Server.BaseAddress, "/guard"), BrowserFixture.Guard, BrowserFixture.Password);
        return new BoardAndPhone(control, board, boardWatch, phone, guard, guardWatch);
    }

    public static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(BrowserFixture.Artifacts, name), FullPage = true });

    /// <summary>
    /// English words that the server or the browser used to put into the Swedish pages (alert texts, audit actions,
    /// outcomes, kinds of place, errors). None may appear in the text, labels or titles of a Swedish page.
    /// </summary>
    public static readonly string[] EnglishWords =
    [
        "raised", "acknowledged", "dispatched", "resolved", "escalated", "accepted", "on site", "cause cleared", "received",
        "impulsive", "bang", "possible fire", "confidence", "report at", "severity", "falsealarm", "false alarm", "confirmed",
        "noactionneeded", "street", "square", "park at", "failed to fetch", "network", "error", "online", "offline",
        "observation:", "not acknowledged", "within", "unknown", "calm", "elevated", "alert", "new", "stale", "the ",
    ];

    /// <summary>Fails when a Swedish page shows a word of <see cref="EnglishWords"/> anywhere a person can read or hear it.</summary>
    public static async Task AssertNoEnglish(IPage page, string where)
    {
        var text = await page.EvaluateAsync<string>(
            @"() => [document.title, document.body.innerText,
                ...[...document.querySelectorAll('[aria-label],[title],[placeholder]')].filter((e) => e.offsetParent !== null || e === document.body)
                  .flatMap((e) => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('placeholder')])].filter(Boolean).join('\n')");
        var found = EnglishWords.Where(w => Regex.IsMatch(text, $@"(?<![\p{{L}}-]){Regex.Escape(w)}(?![\p{{L}}-])", RegexOptions.IgnoreCase)).ToArray();
        Assert.True(found.Length == 0, $"English in the Swedish {where}: {string.Join(", ", found)}\n---\n{text}");
    }
}

/// <summary>The two screens of a scenario: the control room's board and the guard's phone, with what each page logged.</summary>
public sealed record BoardAndPhone(IBrowserContext Control, IPage Board, PageWatch BoardWatch, IBrowserContext Phone, IPage Guard, PageWatch GuardWatch)
    : IAsyncDisposable
{
    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Phone.DisposeAsync();
        await Control.DisposeAsync();
    }
}
