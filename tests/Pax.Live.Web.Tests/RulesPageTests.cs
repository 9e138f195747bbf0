using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>"Pröva regler": the control room tries a place's rules on its history, beside what actually happened.</summary>
[Collection(BrowserCollection.Name)]
public sealed class RulesPageTests(BrowserFixture fixture)
{
    // In the area söder: no guard of the fixture covers it, so the bang below reaches nobody's phone.
    private const string Place = "stadsparken";

    [Fact]
    public async Task AnOperatorReplaysAPlaceBesideWhatHappenedWithPrecisionFieldErrorsAndBothLanguages()
    {
        var server = fixture.Server;
        using var colleague = server.As(await server.Login(BrowserFixture.Operator, BrowserFixture.Password));
        await GiveThePlaceAFalseAlarm(colleague);

        // From the control room's header, in the same tab: no second sign-in.
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var page = await control.NewPageAsync();
        var watch = new PageWatch(page);
        await Pages.SignIn(page, watch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        await page.Locator("#rules-link").ClickAsync();
        await page.WaitForURLAsync("**/rules");
        await Expect(page.Locator("#app")).ToBeVisibleAsync();
        await Expect(page.Locator("#login")).ToBeHiddenAsync();
        await Expect(page.Locator("h2#rules-title")).ToHaveTextAsync("Pröva regler");

        // The place's own thresholds are filled in (deploy/places/sample-places.json).
        await page.Locator("#place").SelectOptionAsync(Place);
        await Expect(page.Locator("#rule-people")).ToHaveValueAsync("15");
        await Expect(page.Locator("#rule-motion")).ToHaveValueAsync("0.4");
        await Expect(page.Locator("#rule-dwellSeconds")).ToHaveValueAsync("60");
        await Expect(page.Locator("#rule-clearRatio")).ToHaveValueAsync("");

        await page.GetByRole(AriaRole.Button, new() { Name = "Pröva", Exact = true }).ClickAsync();
        var results = page.Locator("#results");
        await Expect(results.Locator("#results-title")).ToHaveTextAsync("Resultat för Stadsparken");

        // Both timelines over one axis; what happened holds the bang's alert level.
        await Expect(results.Locator("[data-run=actual] .bar")).ToBeVisibleAsync();
        await Expect(results.Locator("[data-run=replayed] .bar")).ToBeVisibleAsync();
        await Expect(results.Locator("[data-run=actual] .seg[data-level=alert]")).Not.ToHaveCountAsync(0);
        await Expect(results.Locator("[data-run=replayed] .seg")).Not.ToHaveCountAsync(0);
        await Expect(results.Locator(".axis span")).ToHaveCountAsync(5);
        await Expect(results.Locator(".legend")).ToContainTextAsync("Lugnt");

        // Slots are written when a minute completes: a replay right after the bang may have none, and says so.
        var slots = await results.Locator("#replay-slots").GetAttributeAsync("data-slots");
        await Expect(results.Locator("#replay-slots")).ToContainTextAsync(slots == "0" ? "inga sparade värden" : "sparade 10-sekundersintervall");

        await Expect(results.Locator("#hours tbody tr")).ToHaveCountAsync(2);
        await Expect(results.Locator("#hours thead")).ToContainTextAsync("Förhöjt");
        await Expect(results.Locator("#hours tbody tr[data-run=actual] th")).ToHaveTextAsync("Faktiskt");
        var actualAlerts = results.Locator("#alerts-actual tbody tr").Filter(new() { HasText = "Smäll" });
        await Expect(actualAlerts.Filter(new() { HasText = "Falsklarm" })).Not.ToHaveCountAsync(0);

        // The precision table: the place's rules first.
        var precision = results.Locator("#precision");
        await Expect(precision.Locator($"tbody tr[data-place={Place}][data-cause=impulse]")).ToBeVisibleAsync();
        await Expect(precision.Locator("tbody tr").First).ToHaveAttributeAsync("data-place", Place);
        var falseAlarms = await precision.Locator($"tbody tr[data-place={Place}][data-cause=impulse] [data-count=falseAlarms]").InnerTextAsync();
        Assert.True(int.Parse(falseAlarms, System.Globalization.CultureInfo.InvariantCulture) >= 1, $"false alarms: {falseAlarms}");
        await Expect(precision.Locator("th[scope=col]").First).ToHaveTextAsync("Plats");
        await Expect(results.Locator("#suggestion-title")).ToHaveTextAsync("Förslag: tröskel för brand");
        await Expect(results.Locator("#suggestion tbody tr th").First).ToHaveTextAsync("Nuvarande");
        await Pages.AssertNoEnglish(page, "rules page with a replay");
        await AccessibilityTests.AssertNoViolations(page, "the rules page with a replay");
        await Pages.Screenshot(page, "rules-sv.png");

        // A threshold below 0: the server refuses it, and the page says so beside the field, in Swedish.
        await page.Locator("#rule-people").FillAsync("-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Pröva", Exact = true }).ClickAsync();
        await Expect(page.Locator("#rule-people-error")).ToHaveTextAsync("En tröskel är ett tal från 0, eller tomt för ingen.");
        await Expect(page.Locator("#rule-people")).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(page.Locator("#rule-people")).ToBeFocusedAsync();
        await Expect(page.Locator("#announcer")).ToContainTextAsync("personer");
        await Expect(page.Locator("#rule-motion")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        await Pages.AssertNoEnglish(page, "rules page with a refused field");
        await AccessibilityTests.AssertNoViolations(page, "the rules page with a refused field");
        await Pages.Screenshot(page, "rules-field-error-sv.png");

        // In English: the form, the error beside the field and the results, drawn again.
        await page.Locator("#language").SelectOptionAsync("en");
        await Expect(page.Locator("h2#rules-title")).ToHaveTextAsync("Try rules");
        await Expect(page.Locator("#rule-people-error")).ToHaveTextAsync("A threshold is a number of at least 0, or empty for none.");
        await Expect(results.Locator("#results-title")).ToHaveTextAsync("Results for Stadsparken");
        await Expect(results.Locator("#precision-title")).ToHaveTextAsync("Precision per rule");
        await Expect(page.Locator("#announcer")).ToContainTextAsync("The input is incomplete or wrong: people");
        await Expect(results.Locator("#hours tbody tr[data-run=actual] th")).ToHaveTextAsync("Actual");
        await Expect(results.Locator("#alerts-actual tbody tr").Filter(new() { HasText = "Bang" }).Filter(new() { HasText = "False alarm" })).Not.ToHaveCountAsync(0);
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Try", Exact = true })).ToBeVisibleAsync();
        await Pages.Screenshot(page, "rules-en.png");

        // The place's own values again: the refusal goes with the wrong value.
        await page.GetByRole(AriaRole.Button, new() { Name = "The place’s own values" }).ClickAsync();
        await Expect(page.Locator("#rule-people")).ToHaveValueAsync("15");
        await Expect(page.Locator("#rule-people-error")).ToHaveTextAsync("");
        Assert.DoesNotContain(watch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AGuardIsToldThePageIsNotForTheirRole()
    {
        await using var phone = await Pages.Phone(fixture.Browser);
        var page = await phone.NewPageAsync();
        var watch = new PageWatch(page);
        await page.GotoAsync(new Uri(fixture.Server.BaseAddress, "/rules").ToString());
        await page.Locator("#login input[name=username]").FillAsync(BrowserFixture.Guard);
        await page.Locator("#login input[name=password]").FillAsync(BrowserFixture.Password);
        await page.Locator("#login button[type=submit]").ClickAsync();
        await Expect(page.Locator("#login .error")).ToHaveTextAsync("Den här vyn är inte för din roll.");
        await Expect(page.Locator("#app")).ToBeHiddenAsync();
        await Pages.AssertNoEnglish(page, "rules page refusing a guard");
        watch.AssertClean();
    }

    /// <summary>Readings and a bang at the place, its alert judged a false alarm, and all of it in the history.</summary>
    private async Task GiveThePlaceAFalseAlarm(HttpClient colleague)
    {
        var server = fixture.Server;
        await using (var camera = await fixture.Camera(Place, "cam-rules"))
        {
            await camera.Publish($"pax/v1/{Place}/cam-rules/signals", Device.Signals(Device.Now, ("people", 6), ("motion", 0.2), ("impulse", 1)));
        }

        var view = await server.WaitForPlace(Place, v => v.GetProperty("openAlerts").EnumerateArray().Any(a => a.GetProperty("kind").GetString() == "impulse"));
        foreach (var alert in view.GetProperty("openAlerts").EnumerateArray().Where(a => a.GetProperty("kind").GetString() == "impulse"))
        {
            var id = alert.GetProperty("alertId").GetString();
            (await colleague.PostAsJsonAsync($"/api/alerts/{id}/resolve", new { outcome = "false-alarm", note = "Smällare" })).EnsureSuccessStatusCode();
        }

        // The history is written in batches every few seconds: the page is opened once the replay's record has it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var response = await colleague.PostAsJsonAsync($"/api/places/{Place}/replay", new { });
            response.EnsureSuccessStatusCode();
            var actual = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("actual");
            if (actual.GetProperty("levels").EnumerateArray().Any(l => l.GetProperty("to").GetString() == "alert")
                && actual.GetProperty("alerts").EnumerateArray().Any(a => a.GetProperty("cause").GetString() == "impulse"
                    && a.GetProperty("outcome").ValueKind == JsonValueKind.String && a.GetProperty("resolvedAt").ValueKind == JsonValueKind.String))
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the history never had the bang: {actual}");
            await Task.Delay(250);
        }
    }
}
