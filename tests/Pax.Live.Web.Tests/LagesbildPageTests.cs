using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>The lägesbild opened from the board: one language, Swedish local time, names, hours since each place existed.</summary>
[Collection(BrowserCollection.Name)]
public sealed class LagesbildPageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task TheBoardOpensTheLagesbildInItsOwnLanguageWithLocalTimesAndNoMonthOfUnknownForNewPlaces()
    {
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);
        await Pages.SignIn(board, watch, fixture.Server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);

        var report = await board.RunAndWaitForPopupAsync(() => board.Locator("#report").ClickAsync());
        await Expect(report.Locator("h1")).ToHaveTextAsync("Lägesbild");
        await Expect(report.Locator("html")).ToHaveAttributeAsync("lang", "sv");
        var text = await report.Locator("body").InnerTextAsync();
        Assert.Contains("(svensk tid)", text, StringComparison.Ordinal);
        Assert.DoesNotContain("UTC", text, StringComparison.Ordinal);
        Assert.DoesNotContain("stora-torget", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"[-−]0(?![\d,])", text);
        await Pages.AssertNoEnglish(report, "lägesbild");

        // The places came into the catalogue when this test server started, minutes ago: their hours are minutes too,
        // not the 720 h of a 30-day period at "unknown".
        var unknownTotal = await report.Locator("tr", new() { HasText = "Totalt" }).First.Locator("td").Nth(4).InnerTextAsync();
        var hours = double.Parse(unknownTotal.Split(' ')[0].Replace(',', '.'), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(hours < 4, $"the places were unknown for {unknownTotal} in total");
        await Pages.Screenshot(report, "lagesbild-sv.png");

        await board.Locator("#language").SelectOptionAsync("en");
        var english = await board.RunAndWaitForPopupAsync(() => board.Locator("#report").ClickAsync());
        await Expect(english.Locator("h1")).ToHaveTextAsync("Situation report");
        await Expect(english.Locator("html")).ToHaveAttributeAsync("lang", "en");
        var englishText = await english.Locator("body").InnerTextAsync();
        Assert.DoesNotContain("Lägesbild", englishText, StringComparison.Ordinal);
        Assert.DoesNotContain("Timmar", englishText, StringComparison.Ordinal);
        Assert.Contains("(Swedish time)", englishText, StringComparison.Ordinal);
        await Pages.Screenshot(english, "lagesbild-en.png");
        watch.AssertClean();
    }
}
