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
}
