using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Pax.Live.Web.Tests;

/// <summary>
/// A server whose pushes go to the tests' push service, an operator and a guard of <c>centrum</c>, and Chromium. The
/// phone's browser cannot reach a real push service here, so the test stands in for it: what the server sent the push
/// service, decrypted with the subscription's private key, is delivered to the service worker through DevTools.
/// </summary>
#pragma warning disable CA1001 // xunit disposes fixtures through IAsyncLifetime.DisposeAsync.
public sealed class GuardAppFixture : IAsyncLifetime
{
    public const string Operator = "operator-app";
    public const string Guard = "vakt-app";
    public const string Password = "guard-app-password";

    public ServerProcess Server { get; private set; } = null!;

    public TestPushService PushService { get; private set; } = null!;

    public IPlaywright Playwright { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        PushService = await TestPushService.Start();
        Server = new ServerProcess(ServerProcess.NewTempDirectory("pax-guard-app"), $"--Pax:Push:AllowedOrigins:0={PushService.Origin}");
        await Server.Start();
        foreach (var (name, role, areas) in new[] { (Operator, "operator", Array.Empty<string>()), (Guard, "guard", new[] { "centrum" }) })
        {
            (await Server.Http.PutAsJsonAsync($"/api/users/{name}", new { role, areas, password = Password })).EnsureSuccessStatusCode();
        }

        Directory.CreateDirectory(BrowserFixture.Artifacts);
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Chromium.Launch(Playwright);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        Playwright?.Dispose();
        await Server.DisposeAsync();
        await PushService.DisposeAsync();
        Directory.Delete(Server.DataDirectory, recursive: true);
    }
}
#pragma warning restore CA1001

[CollectionDefinition(Name)]
public sealed class GuardAppCollection : ICollectionFixture<GuardAppFixture>
{
    public const string Name = "guard-app";
}

/// <summary>The guard's page as an installed app: its service worker, a push that ends as a notification, Accept from it, and the shell offline.</summary>
[Collection(GuardAppCollection.Name)]
public sealed class GuardAppTests(GuardAppFixture fixture)
{
    private const string Place = "stora-torget";

    [Fact]
    public async Task APushedDispatchShowsANotificationInSwedishWhoseAcceptMovesTheAlertOnTheBoard()
    {
        var server = fixture.Server;
        await using var control = await Pages.ControlRoom(fixture.Browser);
        var board = await control.NewPageAsync();
        var boardWatch = new PageWatch(board);
        await Pages.SignIn(board, boardWatch, server.BaseAddress, GuardAppFixture.Operator, GuardAppFixture.Password);

        await using var phone = await Pages.Phone(fixture.Browser);
        await phone.GrantPermissionsAsync(["notifications"], new() { Origin = server.BaseAddress.ToString().TrimEnd('/') });
        var guard = await phone.NewPageAsync();
        var guardWatch = new PageWatch(guard);
        await Pages.SignIn(guard, guardWatch, new Uri(server.BaseAddress, "/guard"), GuardAppFixture.Guard, GuardAppFixture.Password);

        // Installable: a manifest of its own, and a service worker for /guard that is active.
        var manifest = await guard.EvaluateAsync<string>("async () => await (await fetch(document.querySelector('link[rel=manifest]').href)).text()");
        var app = JsonDocument.Parse(manifest).RootElement;
        Assert.Equal("standalone", app.GetProperty("display").GetString());
        Assert.Equal("/guard", app.GetProperty("start_url").GetString());
        Assert.Equal("Pax.Live – väktare", app.GetProperty("name").GetString());
        Assert.Contains(app.GetProperty("icons").EnumerateArray(), i => i.GetProperty("sizes").GetString() == "512x512");
        var worker = await guard.EvaluateAsync<JsonElement>(
            "async () => { const r = await navigator.serviceWorker.ready; return { scope: r.scope, state: r.active.state, push: 'pushManager' in r }; }");
        Assert.Equal(new Uri(server.BaseAddress, "/guard").ToString(), worker.GetProperty("scope").GetString());
        Assert.Equal("activated", worker.GetProperty("state").GetString());
        Assert.True(worker.GetProperty("push").GetBoolean());

        // The phone's subscription: headless Chromium reaches no push service, so the test makes the browser's keys and
        // records them under this page's device id, as the page does after PushManager.subscribe.
        await Expect(guard.Locator("#push")).ToHaveAttributeAsync("data-state", "off");
        await Expect(guard.Locator("#push-state")).ToHaveTextAsync("Den här telefonen får inga larm när appen är stängd.");
        await Expect(guard.Locator("#push-toggle")).ToHaveTextAsync("Få larm i telefonen");

        // Turning it on asks for the server's key and subscribes with it; here no push service answers, and the page says so.
        var keyAsked = guard.WaitForRequestAsync(new Uri(server.BaseAddress, "/api/push/key").ToString());
        await guard.Locator("#push-toggle").ClickAsync();
        await keyAsked;
        await Expect(guard.Locator("#announcer")).ToHaveTextAsync("Telefonen kunde inte anmälas för larm. Försök igen när anslutningen är tillbaka.", new() { Timeout = 60_000 });
        await Expect(guard.Locator("#push")).ToHaveAttributeAsync("data-state", "off");
        var deviceId = await guard.EvaluateAsync<string>("() => localStorage.getItem('pax.push.device')");
        using var subscription = fixture.PushService.NewSubscription();
        using var guardApi = server.As(await server.Login(GuardAppFixture.Guard, GuardAppFixture.Password));
        (await guardApi.PutAsJsonAsync($"/api/push/subscriptions/{deviceId}", subscription.Json("Testtelefon"))).EnsureSuccessStatusCode();
        await guard.ReloadAsync();
        await Expect(guard.Locator("#push")).ToHaveAttributeAsync("data-state", "on");
        await Expect(guard.Locator("#push-state")).ToHaveTextAsync("Den här telefonen får larm, även när appen är stängd.");
        await Expect(guard.Locator("#push-toggle")).ToHaveTextAsync("Stäng av larm i telefonen");
        await Expect(guard.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await Pages.AssertNoEnglish(guard, "the guard app with alerts on");

        // The phone is in a pocket: the page is closed, the service worker remains.
        var helper = await phone.NewPageAsync();
        await helper.GotoAsync(new Uri(server.BaseAddress, "/healthz").ToString());
        await guard.CloseAsync();

        // An alert, dispatched to the guard from the board.
        (await server.Http.PostAsJsonAsync($"/api/places/{Place}/observations", new { severity = 3 })).EnsureSuccessStatusCode();
        var queued = board.Locator($"#alert-list [data-place={Place}]");
        await Expect(queued).ToHaveAttributeAsync("data-state", "raised");
        var alertId = (await queued.GetAttributeAsync("data-alert"))!;
        using var operatorApi = server.As(await server.Login(GuardAppFixture.Operator, GuardAppFixture.Password));
        (await operatorApi.PostAsJsonAsync($"/api/alerts/{alertId}/dispatch", new { guard = GuardAppFixture.Guard })).EnsureSuccessStatusCode();
        await Expect(queued).ToHaveAttributeAsync("data-state", "dispatched");

        // What the server sent the push service, decrypted as the browser would, delivered to the service worker.
        var pushed = await fixture.PushService.WaitFor(subscription.Endpoint);
        var payload = Encoding.UTF8.GetString(subscription.Decrypt(pushed.Body));
        var cdp = await phone.NewCDPSessionAsync(helper);
        var registrations = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        cdp.Event("ServiceWorker.workerRegistrationUpdated").OnEvent += (_, e) =>
        {
            foreach (var r in e!.Value.GetProperty("registrations").EnumerateArray())
            {
                if (r.GetProperty("scopeURL").GetString()!.EndsWith("/guard", StringComparison.Ordinal) && !r.GetProperty("isDeleted").GetBoolean())
                {
                    registrations.TrySetResult(r.GetProperty("registrationId").GetString()!);
                }
            }
        };
        await cdp.SendAsync("ServiceWorker.enable");
        var registrationId = await registrations.Task.WaitAsync(TimeSpan.FromSeconds(20));
        await cdp.SendAsync("ServiceWorker.deliverPushMessage", new Dictionary<string, object>
        {
            ["origin"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["registrationId"] = registrationId,
            ["data"] = payload,
        });

        // A notification in Swedish with the two actions, and the receipt confirmed by the worker (no page is open).
        var notification = await WaitForNotification(helper, alertId);
        Assert.Equal("Utskickat till dig", notification.GetProperty("title").GetString());
        Assert.StartsWith("Rapport – Stora torget · Hög · ", notification.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(["Acceptera", "Öppna"], notification.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        await Until(async () => (await operatorApi.GetFromJsonAsync<JsonElement>($"/api/alerts/{alertId}")).GetProperty("receivedAt").ValueKind == JsonValueKind.String);

        // "Acceptera" from the lock screen: the worker's click handler, with the notification shown.
        await Tap(helper, "accept", alertId);
        await Expect(queued).ToHaveAttributeAsync("data-accepted", "true");
        await Expect(queued.Locator(".state")).ToHaveTextAsync("Accepterat");
        Assert.Equal(0, await helper.EvaluateAsync<int>(
            $"async () => (await (await navigator.serviceWorker.getRegistration('/guard')).getNotifications({{ tag: '{alertId}' }})).length"));

        // The app started again has no session of its tab: it is signed in with the one the worker keeps, without
        // asking for the password. With the app open, "Öppna" brings it to the alert.
        var reopened = await phone.NewPageAsync();
        var reopenedWatch = new PageWatch(reopened);
        await reopened.GotoAsync(new Uri(server.BaseAddress, "/guard").ToString());
        await Expect(reopened.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        await Expect(reopened.Locator("#login")).ToBeHiddenAsync();
        await Tap(reopened, "open", alertId);
        await Expect(reopened.Locator($"#alert-list .card.focused[data-alert='{alertId}']")).ToBeVisibleAsync();
        await Expect(reopened.Locator($"#alert-list [data-alert='{alertId}']")).ToHaveAttributeAsync("data-accepted", "true");

        // With no app open, "Öppna" opens a tab at the alert (the worker's openWindow, which needs a real tap): signed
        // in the same way, and at the alert.
        var opened = await phone.NewPageAsync();
        var openedWatch = new PageWatch(opened);
        await opened.GotoAsync(new Uri(server.BaseAddress, $"/guard#alert={Uri.EscapeDataString(alertId)}").ToString());
        await Expect(opened.Locator($"#alert-list .card.focused[data-alert='{alertId}']")).ToBeVisibleAsync();
        await Expect(opened.Locator("#login")).ToBeHiddenAsync();
        await opened.CloseAsync();
        openedWatch.AssertClean();
        await Pages.Screenshot(reopened, "guard-app-opened-from-notification.png");

        // In English, a new alert of the area (not a dispatch) is worded in English and offers only "Open".
        await reopened.Locator("#language").SelectOptionAsync("en");
        await Expect(reopened.Locator("#push-state")).ToHaveTextAsync("This phone gets alerts, even with the app closed.");
        await Until(async () => await reopened.EvaluateAsync<string?>(
            "async () => (await (await (await caches.open('pax-guard-session')).match('/guard-session'))?.json())?.lang") == "en");
        await cdp.SendAsync("ServiceWorker.deliverPushMessage", new Dictionary<string, object>
        {
            ["origin"] = server.BaseAddress.ToString().TrimEnd('/'),
            ["registrationId"] = registrationId,
            ["data"] = JsonSerializer.Serialize(new { alertId = "probe-en", place = "Stora torget", kind = "fire", severity = 2, at = DateTimeOffset.UtcNow, dispatched = false }),
        });
        var english = await WaitForNotification(helper, "probe-en");
        Assert.Equal("New alert", english.GetProperty("title").GetString());
        Assert.StartsWith("Fire – Stora torget · Medium · ", english.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal(["Open"], english.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));

        // The guard turns this phone's alerts off: the server forgets it.
        await reopened.Locator("#push-toggle").ClickAsync();
        await Expect(reopened.Locator("#push")).ToHaveAttributeAsync("data-state", "off");
        await Expect(reopened.Locator("#push-toggle")).ToHaveTextAsync("Get alerts on this phone");
        Assert.Empty((await guardApi.GetFromJsonAsync<JsonElement>("/api/push/subscriptions")).GetProperty("devices").EnumerateArray());

        // Leave centrum's guards no open alert from this test.
        (await operatorApi.PostAsJsonAsync($"/api/alerts/{alertId}/resolve", new { outcome = "no-action-needed", note = "test" })).EnsureSuccessStatusCode();
        boardWatch.AssertClean();
        reopenedWatch.AssertClean();
    }

    [Fact]
    public async Task TheAppShellLoadsFromThePhonesCacheWhenTheServerCannotBeReachedAndSaysSo()
    {
        var server = fixture.Server;
        await using var phone = await Pages.Phone(fixture.Browser);
        var guard = await phone.NewPageAsync();
        var watch = new PageWatch(guard);
        await Pages.SignIn(guard, watch, new Uri(server.BaseAddress, "/guard"), GuardAppFixture.Guard, GuardAppFixture.Password);
        await guard.EvaluateAsync("async () => { await navigator.serviceWorker.ready; }");
        await guard.ReloadAsync();
        await Expect(guard.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected");
        Assert.True(await guard.EvaluateAsync<bool>("() => navigator.serviceWorker.controller !== null"));

        await phone.SetOfflineAsync(true);
        await guard.ReloadAsync();
        await Expect(guard.Locator("h1")).ToHaveTextAsync("Pax.Live");
        await Expect(guard.Locator("#offline-banner")).ToBeVisibleAsync();
        await Expect(guard.Locator("#offline-banner")).ToContainTextAsync("Appen startade från telefonens sparade kopia");
        await Expect(guard.Locator("#connection")).ToHaveAttributeAsync("data-state", "offline");
        await Pages.Screenshot(guard, "guard-app-offline.png");

        // Back online, the app starts again by itself.
        await phone.SetOfflineAsync(false);
        await Expect(guard.Locator("#connection")).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = 30_000 });
        await Expect(guard.Locator("#offline-banner")).ToBeHiddenAsync();
        Assert.DoesNotContain(watch.Problems, p => p.StartsWith("page error", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AKeptSessionTheServerNoLongerAcceptsAsksForTheSignInAgainAndIsForgotten()
    {
        var server = fixture.Server;
        await using var phone = await Pages.Phone(fixture.Browser);
        var guard = await phone.NewPageAsync();
        var watch = new PageWatch(guard);
        await Pages.SignIn(guard, watch, new Uri(server.BaseAddress, "/guard"), GuardAppFixture.Guard, GuardAppFixture.Password);
        const string Kept = "async () => (await (await caches.open('pax-guard-session')).match('/guard-session'))?.json() ?? null";
        await Until(async () => (await guard.EvaluateAsync<JsonElement>(Kept)).ValueKind == JsonValueKind.Object);

        // The kept token stops being valid (here: it is not one the server signed) while no tab is open.
        await guard.EvaluateAsync(@"async () => {
            const cache = await caches.open('pax-guard-session');
            const kept = await (await cache.match('/guard-session')).json();
            await cache.put('/guard-session', new Response(JSON.stringify({ ...kept, token: 'x' + kept.token })));
        }");
        await guard.CloseAsync();

        var again = await phone.NewPageAsync();
        await again.GotoAsync(new Uri(server.BaseAddress, "/guard").ToString());
        await Expect(again.Locator("#login")).ToBeVisibleAsync();
        await Until(async () => (await again.EvaluateAsync<JsonElement>(Kept)).ValueKind == JsonValueKind.Null);
    }

    /// <summary>Hands the service worker a tap on the notification's action, as the notification would.</summary>
    private static async Task Tap(IPage page, string action, string alertId) => await page.EvaluateAsync(
        "async ([action, alertId]) => (await navigator.serviceWorker.getRegistration('/guard')).active.postMessage({ type: 'notification-action', action, alertId })",
        new[] { action, alertId });

    private static async Task<JsonElement> WaitForNotification(IPage page, string tag)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var shown = await page.EvaluateAsync<JsonElement>(
                @"async (tag) => (await (await navigator.serviceWorker.getRegistration('/guard')).getNotifications({ tag }))
                    .map((n) => ({ title: n.title, body: n.body, actions: n.actions.map((a) => a.title) }))", tag);
            if (shown.GetArrayLength() > 0)
            {
                return shown[0];
            }

            Assert.True(DateTime.UtcNow < deadline, "No notification was shown.");
            await Task.Delay(200);
        }
    }

    private static async Task Until(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(100);
        }
    }
}
