using System.Net.Http.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

[Collection(BrowserCollection.Name)]
public sealed class ControlRoomAndGuardTests(BrowserFixture fixture)
{
    private const string Place = "stora-torget";

    [Fact]
    public async Task AnAlertOverMqttTurnsThePlaceRedAndGoesFromTheControlRoomToTheGuardAndBackResolved()
    {
        var server = fixture.Server;
        await using var screens = await Pages.SignInBoardAndPhone(fixture);
        var (_, board, boardWatch, _, guard, guardWatch) = screens;
        await Expect(board.Locator($"#place-list [data-place={Place}]")).ToBeVisibleAsync();
        await Expect(guard.Locator($"#alert-list [data-place={Place}]")).ToHaveCountAsync(0);

        // A camera at the place hears a bang: alert-grade, over real MQTT to the server's broker.
        await using (var camera = await fixture.Camera(Place, "cam-ui"))
        {
            await camera.Publish($"pax/v1/{Place}/cam-ui/signals", Device.Signals(Device.Now, ("people", 7), ("motion", 0.3), ("impulse", 1)));
        }

        // The board turns red within seconds: in the list, on the map, and in the queue with a cue.
        await Expect(board.Locator($"#place-list [data-place={Place}][data-level=alert]")).ToBeVisibleAsync();
        await Expect(board.Locator($".place-marker.place-{Place}.marker-alert")).ToHaveCountAsync(1);
        var queued = board.Locator($"#alert-list [data-place={Place}]");
        await Expect(queued).ToHaveAttributeAsync("data-state", "raised");
        await Expect(board.Locator("#announcer")).ToContainTextAsync("Nytt larm");
        var alertId = await queued.GetAttributeAsync("data-alert");

        // Severity 3 and nobody busy: its detail opens by itself, worded in Swedish from the server's codes.
        await Expect(board.Locator("#alert-detail .alert-text")).ToHaveTextAsync("Impulsljud (skott- eller explosionsliknande) vid Stora torget");
        await Expect(board.Locator("#alarm-banner")).ToContainTextAsync("Smäll vid Stora torget");
        await Expect(board.Locator("#place-list [data-place=stora-torget] .why")).ToContainTextAsync("Smäll (larm)");
        await Pages.Screenshot(board, "control-room-alert.png");
        await Pages.AssertNoEnglish(board, "the board with a new alert");

        // The control room acknowledges and dispatches the guard.
        await queued.Locator("button").ClickAsync();
        await board.GetByRole(AriaRole.Button, new() { Name = "Kvittera", Exact = true }).ClickAsync();
        await Expect(queued).ToHaveAttributeAsync("data-state", "acknowledged");
        await board.Locator("#alert-detail select[name=guard]").SelectOptionAsync(BrowserFixture.Guard);
        await board.GetByRole(AriaRole.Button, new() { Name = "Skicka väktare" }).ClickAsync();
        await Expect(queued).ToHaveAttributeAsync("data-state", "dispatched");

        // The guard's phone has it, with a pin on the map; the guard accepts, goes on site and resolves it.
        var card = guard.Locator($"#alert-list [data-alert='{alertId}']");
        await Expect(card).ToHaveAttributeAsync("data-state", "dispatched");
        await Expect(card).ToContainTextAsync("Stora torget");
        await Expect(card).ToContainTextAsync("Utskickat till dig");
        await Expect(guard.Locator($".place-marker.place-{Place}")).ToHaveCountAsync(1);
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "På plats" })).ToHaveCountAsync(0);
        await Pages.Screenshot(guard, "guard-dispatched.png");
        await Pages.AssertNoEnglish(guard, "the guard's phone with a dispatched alert");
        await card.GetByRole(AriaRole.Button, new() { Name = "Acceptera" }).ClickAsync();

        // Accepted on both screens; then "on site" is the one primary action.
        await Expect(card).ToHaveAttributeAsync("data-accepted", "true");
        await Expect(card.Locator(".state")).ToHaveTextAsync("Accepterat");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Acceptera" })).ToHaveCountAsync(0);
        await Expect(queued).ToHaveAttributeAsync("data-accepted", "true");
        await Expect(queued.Locator(".state")).ToHaveTextAsync("Accepterat");
        await Expect(board.Locator("#alert-detail")).ToContainTextAsync($"Accepterat av {BrowserFixture.Guard}");
        await Pages.Screenshot(guard, "guard-accepted.png");
        await Pages.Screenshot(board, "control-room-accepted.png");
        await card.GetByRole(AriaRole.Button, new() { Name = "På plats" }).ClickAsync();
        await Expect(card).ToHaveAttributeAsync("data-state", "on-site");
        await Expect(board.Locator("#alert-detail")).ToContainTextAsync("På plats");
        await Expect(card.Locator("select[name=outcome]")).ToHaveValueAsync("");
        await card.Locator("select[name=outcome]").SelectOptionAsync("false-alarm");
        await card.Locator("textarea[name=note]").FillAsync("Smällare, inga personer kvar");
        await Pages.Screenshot(guard, "guard-on-site.png");
        await card.GetByRole(AriaRole.Button, new() { Name = "Åtgärda" }).ClickAsync();
        await Expect(card).ToHaveCountAsync(0);

        // The board shows it resolved, with the whole trail.
        await Expect(board.Locator($"#alert-list [data-place={Place}]")).ToHaveCountAsync(0);
        await Expect(board.Locator($"#resolved-list [data-place={Place}]")).ToHaveAttributeAsync("data-state", "resolved");
        await Expect(board.Locator("#audit")).ToContainTextAsync($"{BrowserFixture.Guard} accepterade");
        await Expect(board.Locator("#audit")).ToContainTextAsync($"{BrowserFixture.Guard} åtgärdade (Falsklarm: Smällare, inga personer kvar)");
        await Expect(board.Locator("#audit")).ToContainTextAsync("Loggen är obruten");
        await Pages.Screenshot(board, "control-room-resolved.png");
        await Pages.AssertNoEnglish(board, "the board with the resolved alert and its trail");
        await Pages.AssertNoEnglish(guard, "the guard's phone after resolving");
        await Pages.Screenshot(guard, "guard-resolved.png");

        // The place's detail: a sparkline per kind heard, its device, and the board in English on request.
        await board.Locator($"#place-list [data-place={Place}] button").ClickAsync();
        await Expect(board.Locator("#detail .spark[data-kind=people]")).ToBeVisibleAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("cam-ui");
        await Expect(board.Locator("#detail .meta")).ToContainTextAsync("torg · Område: centrum");

        // One clock: a reading after the detail opened, and after the ages' next tick the detail's age of the data is
        // the list's, not the age of when the detail opened.
        await board.WaitForTimeoutAsync(3_000);
        await using (var camera = await fixture.Camera(Place, "cam-ui"))
        {
            await camera.Publish($"pax/v1/{Place}/cam-ui/signals", Device.Signals(Device.Now, ("people", 8)));
        }

        await Expect(board.Locator("#detail .spark[data-kind=people] figcaption")).ToContainTextAsync("senast 8");
        await board.WaitForTimeoutAsync(6_000);
        var ages = await board.EvaluateAsync<string[]>(
            $"() => [document.querySelector('#detail-age').textContent, document.querySelector('#place-list [data-place={Place}] .age').textContent.split(' · ').pop()]");
        Assert.Equal(ages[1], ages[0]);
        await Expect(board.Locator("#detail .spark[data-kind=people] figcaption")).ToContainTextAsync("Personer: senast 8 · tröskel 40");
        await Expect(board.Locator("#detail .spark[data-kind=people] .u-axis")).Not.ToHaveCountAsync(0);
        await Pages.AssertNoEnglish(board, "the board with a place's detail");
        await Pages.Screenshot(board, "control-room-detail-sv.png");
        await board.Locator("#language").SelectOptionAsync("en");
        await Expect(board.Locator("#queue-title")).ToContainTextAsync("Alert queue");
        await Expect(board.Locator("#detail .meta")).ToContainTextAsync("square · Area: centrum");
        await board.Locator($"#resolved-list [data-place={Place}] button").ClickAsync();
        await Expect(board.Locator("#audit")).ToContainTextAsync($"{BrowserFixture.Guard} resolved (False alarm: Smällare, inga personer kvar)");
        await Expect(board.Locator("#alert-detail .alert-text")).ToHaveTextAsync("Impulsive bang (shot- or explosion-like) at Stora torget");
        await Pages.Screenshot(board, "control-room-detail-en.png");

        boardWatch.AssertClean();
        guardWatch.AssertClean();
    }

    [Fact]
    public async Task BothPagesWorkWithEveryRequestToAnythingButTheServerBlocked()
    {
        var server = fixture.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var boardWatch = await PageWatch.BlockingAllBut(control, board, server.BaseAddress);
        await Pages.SignIn(board, boardWatch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);

        // Without map tiles every place still stands on the map at its coordinates.
        await Expect(board.Locator("#place-list [data-place]")).ToHaveCountAsync(4);
        await Expect(board.Locator(".place-marker")).ToHaveCountAsync(4);
        await Expect(board.Locator("#map-note")).ToBeVisibleAsync();
        await Expect(board.Locator("#map-legend")).ToContainTextAsync("Lugnt");
        await Expect(board.Locator("#map-legend")).ToContainTextAsync("inaktuell");
        await Expect(board.Locator(".leaflet-tooltip.place-label")).ToHaveCountAsync(4);
        await board.Locator("#place-list [data-place=stadsparken] button").ClickAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("Stadsparken");
        await Expect(board.Locator("#history")).Not.ToHaveTextAsync("…");

        await using var phone = await Pages.Phone(fixture.Browser);
        var guard = await phone.NewPageAsync();
        var guardWatch = await PageWatch.BlockingAllBut(phone, guard, server.BaseAddress);
        await Pages.SignIn(guard, guardWatch, new Uri(server.BaseAddress, "/guard"), BrowserFixture.Guard, BrowserFixture.Password);

        // The guard's map shows the places of the guard's areas, named, before any alert.
        await Expect(guard.Locator(".area-place-storgatan")).ToHaveCountAsync(1);
        await Expect(guard.Locator(".leaflet-tooltip.place-label", new() { HasText = "Storgatan" })).ToBeVisibleAsync();
        await guard.Locator("#field-place").SelectOptionAsync("storgatan");
        await guard.GetByRole(AriaRole.Button, new() { Name = "Checka in" }).ClickAsync();
        await Expect(guard.Locator("#announcer")).ToContainTextAsync("Incheckad vid Storgatan");

        Assert.Empty(boardWatch.Elsewhere);
        Assert.Empty(guardWatch.Elsewhere);
        boardWatch.AssertClean();
        guardWatch.AssertClean();
    }

    [Fact]
    public async Task AfterTheServerRestartsTheBoardReconnectsByItselfAndMissesNoAlert()
    {
        var server = fixture.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);
        await Pages.SignIn(board, watch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);

        await server.Stop();
        await Expect(board.Locator("#connection")).Not.ToHaveAttributeAsync("data-state", "connected");
        await Pages.Screenshot(board, "control-room-reconnecting.png");
        await server.Start();

        // Raised as soon as the server is back, most likely before the page has reconnected: it must still arrive.
        await using (var camera = await fixture.Camera("stadsparken", "cam-park"))
        {
            await camera.Publish("pax/v1/stadsparken/cam-park/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 60_000 });
        await Expect(board.Locator("#alert-list [data-place=stadsparken]")).ToBeVisibleAsync();
        await Expect(board.Locator("#place-list [data-place=stadsparken][data-level=alert]")).ToBeVisibleAsync();

        // While the server was away the client logged its failed attempts; scripts themselves must not have failed.
        Assert.DoesNotContain(watch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ABoardCutOffWhileAnAlertIsRaisedAndAcknowledgedGetsBothWhenItComesBack()
    {
        var server = fixture.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var watch = new PageWatch(board);

        // The page's WebSocket goes through the test, so the test can cut it; while cut, reconnecting fails too.
        var cut = false;
        IWebSocketRoute? pageSide = null;
        IWebSocketRoute? serverSide = null;
        await board.RouteWebSocketAsync("**/hubs/live**", ws =>
        {
            if (cut)
            {
                ws.CloseAsync();
                return;
            }

            pageSide = ws;
            serverSide = ws.ConnectToServer();
        });
        await control.RouteAsync("**/hubs/live/negotiate**", route => cut ? route.AbortAsync() : route.ContinueAsync());
        await Pages.SignIn(board, watch, server.BaseAddress, BrowserFixture.Operator, BrowserFixture.Password);
        await Expect(board.Locator("#place-list [data-place=resecentrum]")).ToBeVisibleAsync();

        cut = true;
        await serverSide!.CloseAsync();
        await pageSide!.CloseAsync();
        await Expect(board.Locator("#connection")).Not.ToHaveAttributeAsync("data-state", "connected");

        // Missed by the page: a bang at Resecentrum, and an operator elsewhere acknowledging it.
        await using (var camera = await fixture.Camera("resecentrum", "cam-station"))
        {
            await camera.Publish("pax/v1/resecentrum/cam-station/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var alertId = await WaitForOpenAlert(server, "resecentrum");
        using var colleague = server.As(await server.Login(BrowserFixture.Operator, BrowserFixture.Password));
        (await colleague.PostAsync($"/api/alerts/{alertId}/acknowledge", null)).EnsureSuccessStatusCode();
        await Expect(board.Locator($"#alert-list [data-alert='{alertId}']")).ToHaveCountAsync(0);

        cut = false;
        await Expect(board.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 60_000 });
        await Expect(board.Locator($"#alert-list [data-alert='{alertId}']")).ToHaveAttributeAsync("data-state", "acknowledged");
        await Expect(board.Locator("#alert-list [data-place=resecentrum]")).ToHaveCountAsync(1);
        Assert.DoesNotContain(watch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));

        // Leave the guards of centrum no open alert from this test.
        (await colleague.PostAsJsonAsync($"/api/alerts/{alertId}/resolve", new { outcome = "no-action-needed", note = "test" })).EnsureSuccessStatusCode();
    }

    private static async Task<string> WaitForOpenAlert(ServerProcess server, string place)
    {
        var view = await server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() > 0);
        return view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()!;
    }

    [Fact]
    public async Task AGuardsObservationRaisesAnAlertThatTheControlRoomSnoozesAndThePlaceIsPutInFocus()
    {
        var server = fixture.Server;
        await using var screens = await Pages.SignInBoardAndPhone(fixture);
        var (_, board, boardWatch, _, guard, guardWatch) = screens;

        // The guard reports something serious at Storgatan: it enters the place as a report of severity 3.
        await guard.Locator("#field-place").SelectOptionAsync("storgatan");
        await guard.Locator("#observation-severity").SelectOptionAsync("3");
        await guard.GetByRole(AriaRole.Button, new() { Name = "Rapportera observation" }).ClickAsync();
        await Expect(guard.Locator("#alert-list [data-place=storgatan]")).ToContainTextAsync("Rapport");

        var queued = board.Locator("#alert-list [data-place=storgatan]");
        await Expect(queued).ToContainTextAsync("Rapport");
        await queued.Locator("button").ClickAsync();

        // Not acknowledged: snoozing needs the operator to say they mean it; nothing is chosen for them.
        await Expect(board.Locator("#alert-detail .ack-first")).ToBeVisibleAsync();
        await Expect(board.Locator("#alert-detail select[name=outcome]")).ToHaveValueAsync("");
        var snoozeForm = board.Locator("#alert-detail form").Filter(new() { Has = board.Locator("select[name=minutes]") });
        await snoozeForm.Locator("select[name=minutes]").SelectOptionAsync("30");
        await snoozeForm.Locator("input[name=why]").FillAsync("Känd händelse, polisen är där");
        await snoozeForm.GetByRole(AriaRole.Button, new() { Name = "Snooza orsaken" }).ClickAsync();
        Assert.False(await snoozeForm.Locator("input[name=skipAck]").EvaluateAsync<bool>("box => box.validity.valid"));
        await Expect(board.Locator("#announcer")).Not.ToContainTextAsync("Klart");
        await snoozeForm.Locator("input[name=skipAck]").CheckAsync();
        await snoozeForm.GetByRole(AriaRole.Button, new() { Name = "Snooza orsaken" }).ClickAsync();
        await Expect(board.Locator("#announcer")).ToContainTextAsync("Klart");

        await board.Locator("#place-list [data-place=storgatan] button").ClickAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("Rapport snoozad till");
        await Expect(board.Locator("#detail .devices")).ToHaveCountAsync(0);
        await Expect(board.Locator("#detail")).Not.ToContainTextAsync("observation");
        await board.Locator("#focus-minutes").SelectOptionAsync("60");
        await board.Locator("#focus-why").FillAsync("Oro efter skottlossning i grannområdet");
        await board.GetByRole(AriaRole.Button, new() { Name = "Punktmarkera", Exact = true }).ClickAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("Punktmarkerad till");
        await Pages.Screenshot(board, "control-room-focus-snooze.png");
        await board.GetByRole(AriaRole.Button, new() { Name = "Avsluta punktmarkering" }).ClickAsync();
        await Expect(board.Locator("#detail")).ToContainTextAsync("Inte punktmarkerad");

        // Leave no open alert in centrum for the other tests.
        var alertId = await queued.GetAttributeAsync("data-alert");
        var resolveForm = board.Locator("#alert-detail form").Filter(new() { Has = board.Locator("select[name=outcome]") });
        await resolveForm.Locator("select[name=outcome]").SelectOptionAsync("no-action-needed");
        await resolveForm.Locator("input[name=note]").FillAsync("Polisen hanterar");
        await resolveForm.Locator("input[name=skipAck]").CheckAsync();
        await resolveForm.GetByRole(AriaRole.Button, new() { Name = "Åtgärda" }).ClickAsync();
        await Expect(board.Locator($"#resolved-list [data-alert='{alertId}']")).ToBeVisibleAsync();
        await Expect(guard.Locator($"#alert-list [data-alert='{alertId}']")).ToHaveCountAsync(0);

        boardWatch.AssertClean();
        guardWatch.AssertClean();
    }
}
