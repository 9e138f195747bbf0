using Microsoft.Playwright;

namespace Pax.Live.Web.Tests;

/// <summary>Debian's Chromium, headless, driven by Playwright; Playwright's own browser download is never used.</summary>
public static class Chromium
{
    /// <summary>Debian's <c>chromium</c> package; <c>PAX_CHROMIUM</c> overrides it.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("PAX_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>Launches the browser, and gives the page assertions the patience of a shared machine.</summary>
    public static async Task<IBrowser> Launch(IPlaywright playwright)
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException("Install Debian's chromium (apt-get install chromium); ./test.sh does.", ExecutablePath);
        }

        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Assertions.SetDefaultExpectTimeout(20_000);
        return browser;
    }
}
