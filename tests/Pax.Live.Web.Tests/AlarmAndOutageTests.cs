using System.Diagnostics;
using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>An alarm nobody has acknowledged cannot be missed, and a lost connection cannot be read as live data.</summary>
[Collection(BrowserCollection.Name)]
public sealed class AlarmAndOutageTests(BrowserFixture fixture)
{
    [Fact]
    public async Task AnUnacknowledgedAlarmKeepsItsBannerCountAndRepeatingCueUntilSomeoneAcknowledgesIt()
    {
        var server = fixture.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);
        await Pages.SignIn(board, watch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        await using (var camera = await fixture.Camera("stadsparken", "cam-park-fire"))
        {
            await camera.Publish("pax/v1/stadsparken/cam-park-fire/signals", Device.Signals(Device.Now, ("fire", 0.97)));
        }

        var banner = board.Locator("#alarm-banner");
        var item = banner.Locator("li[data-place=stadsparken]").Filter(new() { HasText = "Brand" });
        await Expect(item).ToContainTextAsync("Brand vid Stadsparken");
        var alertId = await item.GetAttributeAsync("data-alert");
        await Expect(board.Locator("#unacked")).ToBeVisibleAsync();
        await Expect(board.Locator("#unacked")).ToContainTextAsync("okvitterade");
        Assert.Matches(@"^\(\d+\) Pax\.Live", await board.TitleAsync());

        // Severity 3 with nobody busy: the alert's detail is open without anyone clicking.
        await Expect(board.Locator("#alert-detail")).ToBeVisibleAsync();
        await Expect(board.Locator("#alert-detail .alert-text")).ToContainTextAsync("Möjlig brand vid Stadsparken (säkerhet 0,97)");
        var cuesAtStart = int.Parse(await board.EvaluateAsync<string>("() => document.body.dataset.cues ?? '0'"));

        // A minute later, with nothing done: still there, and the cue has kept repeating (every ten seconds).
        await board.WaitForTimeoutAsync(60_000);
        await Expect(item).ToBeVisibleAsync();
        await Expect(board.Locator("#unacked")).ToBeVisibleAsync();
        Assert.Matches(@"^\(\d+\) Pax\.Live", await board.TitleAsync());
        var cuesAfterAMinute = int.Parse(await board.EvaluateAsync<string>("() => document.body.dataset.cues ?? '0'"));
        Assert.True(cuesAfterAMinute - cuesAtStart >= 5, $"the cue rang {cuesAfterAMinute - cuesAtStart} times in 60 s");
        await Pages.Screenshot(board, "control-room-alarm-after-60s.png");

        // Muted for the shift: the header says so, also after a reload.
        var mute = board.Locator("#mute");
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "false");
        await mute.ClickAsync();
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "true");
        await Expect(mute).ToContainTextAsync("Ljud avstängt till");
        await board.ReloadAsync();
        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "true");
        await Pages.Screenshot(board, "control-room-alarm-muted.png");

        // Acknowledged: it leaves the banner.
        await board.Locator($"#alert-list [data-alert='{alertId}'] button").ClickAsync();
        await board.Locator("#alert-detail").GetByRole(AriaRole.Button, new() { Name = "Kvittera", Exact = true }).ClickAsync();
        await Expect(board.Locator($"#alarm-banner li[data-alert='{alertId}']")).ToHaveCountAsync(0);
        await Expect(board.Locator("#alert-detail .ack-first")).ToHaveCountAsync(0);
        await mute.ClickAsync();
        await Expect(mute).ToHaveAttributeAsync("aria-pressed", "false");

        using var colleague = server.As(await server.Login(BrowserFixture.Operator, BrowserFixture.Password));
        (await colleague.PostAsJsonAsync($"/api/alerts/{alertId}/resolve", new { outcome = "false-alarm", note = "test" })).EnsureSuccessStatusCode();
        watch.AssertClean();
    }

    [Fact]
    public async Task WithTheServerStoppedBothPagesSayDisconnectedWithinFiveSecondsAndRecoverWhenItReturns()
    {
        var server = fixture.Server;
        await using var screens = await Pages.SignInBoardAndPhone(fixture);
        var (_, board, boardWatch, _, guard, guardWatch) = screens;
        await board.Locator("#place-list [data-place=storgatan] button").ClickAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("Storgatan");
        await Expect(board.Locator("#offline-banner")).ToBeHiddenAsync();

        var stopped = Stopwatch.StartNew();
        var shownAfter = TimeSpan.Zero;
        try
        {
            await server.Stop();
            stopped.Restart();
            var fiveSeconds = new LocatorAssertionsToBeVisibleOptions { Timeout = 5_000 };
            await Expect(board.Locator("#offline-banner")).ToBeVisibleAsync(fiveSeconds);
            await Expect(guard.Locator("#offline-banner")).ToBeVisibleAsync(fiveSeconds);
            shownAfter = stopped.Elapsed;
            await Expect(board.Locator("#offline-banner")).ToContainTextAsync("Frånkopplad – lägesbilden är inte live");
            await Expect(guard.Locator("#offline-banner")).ToContainTextAsync("Frånkopplad – lägesbilden är inte live");

            // Every place stale at once, every action off with the reason beside it.
            var placeCount = await board.Locator("#place-list [data-place]").CountAsync();
            await Expect(board.Locator("#place-list [data-place].stale")).ToHaveCountAsync(placeCount);
            await Expect(board.Locator("#detail").GetByRole(AriaRole.Button, new() { Name = "Punktmarkera", Exact = true })).ToBeDisabledAsync();
            await Expect(board.Locator("#detail .offline-note")).ToContainTextAsync("Åtgärder är avstängda");
            await Expect(guard.Locator("#check-in")).ToBeDisabledAsync();
            await Expect(guard.Locator("#observe")).ToBeDisabledAsync();

            // What still reaches for the server fails in Swedish, not with the browser's "Failed to fetch".
            await board.Locator("#report").ClickAsync();
            await Expect(board.Locator("#announcer")).ToHaveTextAsync("Servern svarar inte. Försök igen när anslutningen är tillbaka.");
            await Pages.Screenshot(board, "control-room-offline.png");
            await Pages.Screenshot(guard, "guard-offline.png");
            await Pages.AssertNoEnglish(board, "the board, disconnected");
            await Pages.AssertNoEnglish(guard, "the guard's phone, disconnected");
        }
        finally
        {
            // The other tests of the collection share this server.
            await server.Start();
        }

        var back = new LocatorAssertionsToHaveAttributeOptions { Timeout = 60_000 };
        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", back);
        await Expect(guard.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", back);
        await Expect(board.Locator("#offline-banner")).ToBeHiddenAsync();
        await Expect(guard.Locator("#offline-banner")).ToBeHiddenAsync();
        await Expect(board.Locator("#announcer")).Not.ToContainTextAsync("Servern svarar inte");
        await Expect(board.Locator("#detail").GetByRole(AriaRole.Button, new() { Name = "Punktmarkera", Exact = true })).ToBeEnabledAsync();
        await Expect(guard.Locator("#check-in")).ToBeEnabledAsync();
        Assert.True(shownAfter < TimeSpan.FromSeconds(5), $"the banners took {shownAfter}");
        Assert.DoesNotContain(boardWatch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
        Assert.DoesNotContain(guardWatch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ALineThatDropsSilentlyIsShownAsDisconnectedWithinFiveSecondsOnBothPages()
    {
        // Nothing is closed and nothing fails: the bytes stop, as in a tunnel or behind a NAT that forgot the line.
        await using var line = new CuttableProxy(fixture.Server.BaseAddress);
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var boardWatch = new PageWatch(board);
        await Pages.SignIn(board, boardWatch, line.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        await using var phone = await Pages.Phone(fixture.Browser);
        var guard = await phone.NewPageAsync();
        var guardWatch = new PageWatch(guard);
        await Pages.SignIn(guard, guardWatch, new Uri(line.BaseAddress, "/guard"), BrowserFixture.Guard, BrowserFixture.Password);
        await Expect(board.Locator("#offline-banner")).ToBeHiddenAsync();
        await Expect(guard.Locator("#offline-banner")).ToBeHiddenAsync();

        line.Stall();
        var stalled = Stopwatch.StartNew();
        var sixSeconds = new LocatorAssertionsToBeVisibleOptions { Timeout = 6_000 };
        await Expect(board.Locator("#offline-banner")).ToBeVisibleAsync(sixSeconds);
        var boardAfter = stalled.Elapsed;
        await Expect(guard.Locator("#offline-banner")).ToBeVisibleAsync(sixSeconds);
        var guardAfter = stalled.Elapsed;
        await Expect(board.Locator("#offline-banner")).ToContainTextAsync("Frånkopplad – lägesbilden är inte live");
        await Expect(guard.Locator("#check-in")).ToBeDisabledAsync();

        line.Restore();
        var back = new LocatorAssertionsToHaveAttributeOptions { Timeout = 60_000 };
        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", back);
        await Expect(guard.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", back);
        await Expect(board.Locator("#offline-banner")).ToBeHiddenAsync();
        await Expect(guard.Locator("#offline-banner")).ToBeHiddenAsync();

        // The server pings every 2 s and the apps wait 5 s for a byte; the browser's own timers add a little.
        Assert.True(boardAfter < TimeSpan.FromSeconds(5.5), $"the board took {boardAfter}");
        Assert.True(guardAfter < TimeSpan.FromSeconds(5.5), $"the phone took {guardAfter}");
        Assert.DoesNotContain(boardWatch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
        Assert.DoesNotContain(guardWatch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
    }
}
