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
