using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Server.Tests;

/// <summary>A real server whose pushes may go only to the tests' own push service.</summary>
#pragma warning disable CA1001 // xunit disposes fixtures through IAsyncLifetime.DisposeAsync.
public sealed class PushFixture : IAsyncLifetime
{
    /// <summary>Pushes waiting or in flight per guard: more are dropped.</summary>
    public const int MaxPendingPerGuard = 3;

    public ServerProcess Server { get; private set; } = null!;

    public TestPushService PushService { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        PushService = await TestPushService.Start();
        Server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-push"),
            $"--Pax:Push:AllowedOrigins:0={PushService.Origin}",
            "--Pax:Push:AllowedOrigins:1=https://*.notify.windows.com",
            "--Pax:Push:RetryDelay=00:00:00.200",
            $"--Pax:Push:MaxPendingPerGuard={MaxPendingPerGuard}",
            "--Pax:Push:Subject=mailto:drift@example.se");
        await Server.Start();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await PushService.DisposeAsync();
        Directory.Delete(Server.DataDirectory, recursive: true);
    }
}
#pragma warning restore CA1001

[CollectionDefinition(Name)]
public sealed class PushCollection : ICollectionFixture<PushFixture>
{
    public const string Name = "push";
}

/// <summary>Web Push: guards' phones subscribe, and dispatches and new alerts reach them encrypted, signed and marked urgent.</summary>
[Collection(PushCollection.Name)]
public sealed class PushTests(PushFixture fixture)
{
    private ServerProcess Server => fixture.Server;

    private TestPushService PushService => fixture.PushService;

    [Fact]
    public async Task ADispatchIsPushedEncryptedUrgentWithATtlAndSignedWithTheServersVapidKey()
    {
        var (place, area) = await NewPlace("Pushtorget");
        var guard = await GuardClient.Create(Server, area);
        using var phone = PushService.NewSubscription();
        await guard.Subscribe("phone-1", phone);
        var serverKey = (await Server.Http.GetFromJsonAsync<JsonElement>("/api/push/key")).GetProperty("publicKey").GetString();

        var alertId = await RaiseAlert(place);
        (await Server.Http.PostAsJsonAsync($"/api/alerts/{alertId}/dispatch", new { guard = guard.Name })).EnsureSuccessStatusCode();

        var push = await PushService.WaitFor(phone.Endpoint);
        Assert.Equal("high", push.Urgency);
        Assert.Equal("900", push.Ttl);
        Assert.Equal("aes128gcm", push.ContentEncoding);

        var (claims, key) = push.VerifyVapid();
        Assert.Equal(serverKey, key);
        // The audience is the push service's scheme and host: Lib.Net.Http.WebPush leaves out the port, which the real
        // push services (on 443, the default) do not have in their origins either.
        var origin = new Uri(PushService.Origin);
        Assert.Equal($"{origin.Scheme}://{origin.Host}", claims.GetProperty("aud").GetString());
        Assert.Equal("mailto:drift@example.se", claims.GetProperty("sub").GetString());
        var expires = DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64());
        Assert.InRange(expires, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(24));

        var payload = phone.Payload(push);
        Assert.Equal(alertId, payload.GetProperty("alertId").GetString());
        Assert.Equal("Pushtorget", payload.GetProperty("place").GetString());
        Assert.Equal("report", payload.GetProperty("kind").GetString());
        Assert.Equal(3, payload.GetProperty("severity").GetInt32());
        Assert.True(payload.GetProperty("dispatched").GetBoolean());
        Assert.True(payload.TryGetProperty("at", out _));

        // Only what the notification needs: no names of people, nothing else.
        Assert.Equal(["alertId", "place", "kind", "severity", "at", "dispatched"], payload.EnumerateObject().Select(p => p.Name));
        Assert.DoesNotContain(guard.Name, payload.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANewAlertIsPushedToTheGuardsOfItsAreaWhoAskedForNewAlertsOnly()
    {
        var (place, area) = await NewPlace("Nyhetstorget");
        var (_, otherArea) = await NewPlace("Annanstans");
        var asked = await GuardClient.Create(Server, area);
        var notAsked = await GuardClient.Create(Server, area);
        var elsewhere = await GuardClient.Create(Server, otherArea);
        using var askedPhone = PushService.NewSubscription();
        using var notAskedPhone = PushService.NewSubscription();
        using var elsewherePhone = PushService.NewSubscription();
        await asked.Subscribe("p", askedPhone);
        await notAsked.Subscribe("p", notAskedPhone);
        await elsewhere.Subscribe("p", elsewherePhone);
        foreach (var g in new[] { asked, elsewhere })
        {
            var settings = await g.Client.PutAsJsonAsync("/api/push/settings", new { newAlerts = true });
            settings.EnsureSuccessStatusCode();
            Assert.True((await settings.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("newAlerts").GetBoolean());
        }

        var alertId = await RaiseAlert(place);
        var push = await PushService.WaitFor(askedPhone.Endpoint);
        var payload = askedPhone.Payload(push);
        Assert.Equal(alertId, payload.GetProperty("alertId").GetString());
        Assert.False(payload.GetProperty("dispatched").GetBoolean());
        Assert.Equal("Nyhetstorget", payload.GetProperty("place").GetString());

        // The others' pushes would have left together with this one.
        await Task.Delay(1500);
        Assert.DoesNotContain(PushService.Received, p => p.Endpoint == notAskedPhone.Endpoint || p.Endpoint == elsewherePhone.Endpoint);
    }

    [Fact]
    public async Task ASubscriptionThePushServiceSaysIsGoneIsDroppedAndTheGuardsOtherPhoneStillGetsIt()
    {
        var (place, area) = await NewPlace("Borttorget");
        var guard = await GuardClient.Create(Server, area);
        using var old = PushService.NewSubscription();
        using var current = PushService.NewSubscription();
        await guard.Subscribe("old-phone", old);
        await guard.Subscribe("new-phone", current);
        PushService.AnswerOnce(old.Endpoint, 410);

        var alertId = await RaiseAlert(place);
        (await Server.Http.PostAsJsonAsync($"/api/alerts/{alertId}/dispatch", new { guard = guard.Name })).EnsureSuccessStatusCode();

        await PushService.WaitFor(old.Endpoint, p => p.Status == 410);
        await PushService.WaitFor(current.Endpoint, p => p.Status == 201);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!(await Devices(guard)).SequenceEqual(["new-phone"]))
        {
            Assert.True(DateTime.UtcNow < deadline, "The gone subscription was not dropped.");
            await Task.Delay(100);
        }

        Assert.Single(PushService.Received, p => p.Endpoint == old.Endpoint);
    }

    [Fact]
    public async Task APushServiceThatIsBusyIsTriedAgain()
    {
        var (place, area) = await NewPlace("Omtorget");
        var guard = await GuardClient.Create(Server, area);
        using var phone = PushService.NewSubscription();
        await guard.Subscribe("phone", phone);
        PushService.AnswerOnce(phone.Endpoint, 503);

        var alertId = await RaiseAlert(place);
        (await Server.Http.PostAsJsonAsync($"/api/alerts/{alertId}/dispatch", new { guard = guard.Name })).EnsureSuccessStatusCode();

        await PushService.WaitFor(phone.Endpoint, p => p.Status == 503);
        var delivered = await PushService.WaitFor(phone.Endpoint, p => p.Status == 201);
        Assert.Equal(alertId, phone.Payload(delivered).GetProperty("alertId").GetString());
        Assert.Equal(["phone"], await Devices(guard));
    }

    [Fact]
    public async Task AGuardWhosePushesAreStuckGetsNoMoreThanTheBoundQueuedBehindThem()
    {
        var guardArea = "omr-" + Guid.NewGuid().ToString("N")[..8];
        var places = new List<string>();
        for (var i = 0; i < PushFixture.MaxPendingPerGuard + 2; i++)
        {
            var place = "push-" + Guid.NewGuid().ToString("N")[..8];
            (await Server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = "Flodtorget", kind = "torg", area = guardArea, latitude = 59.3, longitude = 15.2 })).EnsureSuccessStatusCode();
            places.Add(place);
        }

        var guard = await GuardClient.Create(Server, guardArea);
        using var phone = PushService.NewSubscription();
        await guard.Subscribe("phone", phone);
        PushService.Hold(phone.Endpoint);
        try
        {
            foreach (var place in places)
            {
                var alertId = await RaiseAlert(place);
                (await Server.Http.PostAsJsonAsync($"/api/alerts/{alertId}/dispatch", new { guard = guard.Name })).EnsureSuccessStatusCode();
            }

            // The push service answers none of them: the bound's worth are in flight, the rest were dropped.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (PushService.Received.Count(p => p.Endpoint == phone.Endpoint) < PushFixture.MaxPendingPerGuard)
            {
                Assert.True(DateTime.UtcNow < deadline, "The pushes in flight did not arrive.");
                await Task.Delay(100);
            }

            await Task.Delay(1500);
        }
        finally
        {
            PushService.Release(phone.Endpoint);
        }

        await Task.Delay(1500);
        Assert.Equal(PushFixture.MaxPendingPerGuard, PushService.Received.Count(p => p.Endpoint == phone.Endpoint));
    }

    [Fact]
    public async Task AGuardListsAndRemovesTheirPhonesAndOnlyAllowedPushServicesAndRealKeysAreTaken()
    {
        var (_, area) = await NewPlace("Listtorget");
        var guard = await GuardClient.Create(Server, area);
        using var phone = PushService.NewSubscription();
        Assert.Empty(await Devices(guard));

        var put = await guard.Client.PutAsJsonAsync("/api/push/subscriptions/my-phone", phone.Json("Pixel 8"));
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var listed = await guard.Client.GetFromJsonAsync<JsonElement>("/api/push/subscriptions");
        var device = Assert.Single(listed.GetProperty("devices").EnumerateArray());
        Assert.Equal("my-phone", device.GetProperty("deviceId").GetString());
        Assert.Equal(PushService.Origin, device.GetProperty("service").GetString());
        Assert.Equal("Pixel 8", device.GetProperty("label").GetString());
        Assert.False(listed.GetProperty("newAlerts").GetBoolean());
        Assert.DoesNotContain(phone.Endpoint, listed.GetRawText(), StringComparison.Ordinal);

        // Subdomains of a wildcard origin are taken; a service that is not listed, or a key that is no point, is not.
        Assert.Equal(HttpStatusCode.OK, (await guard.Client.PutAsJsonAsync("/api/push/subscriptions/laptop", new
        {
            endpoint = "https://wns2-par02p.notify.windows.com/w/?token=abc",
            keys = new { p256dh = System.Buffers.Text.Base64Url.EncodeToString(phone.PublicKey), auth = System.Buffers.Text.Base64Url.EncodeToString(phone.Auth) },
        })).StatusCode);
        Assert.Equal(["my-phone", "laptop"], await Devices(guard));
        await AssertInvalid(guard, "x", new { endpoint = "https://evil.example/push/1", keys = new { p256dh = Key(phone), auth = Auth(phone) } }, "endpoint");
        await AssertInvalid(guard, "x", new { endpoint = "https://notify.windows.com.evil.example/x", keys = new { p256dh = Key(phone), auth = Auth(phone) } }, "endpoint");
        await AssertInvalid(guard, "x", new { endpoint = "http://127.0.0.1:1/push/1", keys = new { p256dh = Key(phone), auth = Auth(phone) } }, "endpoint");
        var notAPoint = new byte[65];
        notAPoint[0] = 4;
        notAPoint[1] = 1;
        await AssertInvalid(guard, "x", new { endpoint = phone.Endpoint, keys = new { p256dh = System.Buffers.Text.Base64Url.EncodeToString(notAPoint), auth = Auth(phone) } }, "keys.p256dh");
        await AssertInvalid(guard, "x", new { endpoint = phone.Endpoint, keys = new { p256dh = Key(phone), auth = "c2hvcnQ" } }, "keys.auth");
        await AssertInvalid(guard, "Not_An_Id", phone.Json(), "deviceId");

        // Only guards are dispatched, so only guards subscribe.
        using var admin = Server.As(Server.Token);
        Assert.Equal(HttpStatusCode.Forbidden, (await admin.PutAsJsonAsync("/api/push/subscriptions/admin-phone", phone.Json())).StatusCode);
        using var anonymous = new HttpClient { BaseAddress = Server.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/push/subscriptions")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await guard.Client.DeleteAsync("/api/push/subscriptions/my-phone")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await guard.Client.DeleteAsync("/api/push/subscriptions/my-phone")).StatusCode);
        Assert.Equal(["laptop"], await Devices(guard));
    }

    [Fact]
    public async Task TheVapidKeyIsMadeOnceAndKeptAcrossARestart()
    {
        var before = (await Server.Http.GetFromJsonAsync<JsonElement>("/api/push/key")).GetProperty("publicKey").GetString()!;
        Assert.Equal(65, System.Buffers.Text.Base64Url.DecodeFromChars(before).Length);
        await Server.Stop();
        await Server.Start();
        var after = (await Server.Http.GetFromJsonAsync<JsonElement>("/api/push/key")).GetProperty("publicKey").GetString();
        Assert.Equal(before, after);
    }

    private static string Key(BrowserSubscription s) => System.Buffers.Text.Base64Url.EncodeToString(s.PublicKey);

    private static string Auth(BrowserSubscription s) => System.Buffers.Text.Base64Url.EncodeToString(s.Auth);

    private static async Task AssertInvalid(GuardClient guard, string deviceId, object body, string field)
    {
        var response = await guard.Client.PutAsJsonAsync($"/api/push/subscriptions/{deviceId}", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.GetRawText());
    }

    private async Task<(string Place, string Area)> NewPlace(string name)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var place = "push-" + suffix;
        var area = "omr-" + suffix;
        var put = await Server.Http.PutAsJsonAsync($"/api/places/{place}", new { name, kind = "torg", area, latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        return (place, area);
    }

    private static async Task<string[]> Devices(GuardClient guard) =>
        [.. (await guard.Client.GetFromJsonAsync<JsonElement>("/api/push/subscriptions")).GetProperty("devices").EnumerateArray()
            .Select(d => d.GetProperty("deviceId").GetString()!)];

    /// <summary>A severity-3 observation at the place: an alert, whose id is returned once the place lists it.</summary>
    private async Task<string> RaiseAlert(string place)
    {
        (await Server.Http.PostAsJsonAsync($"/api/places/{place}/observations", new { severity = 3 })).EnsureSuccessStatusCode();
        var view = await Server.WaitForPlace(place, v => v.GetProperty("openAlerts").GetArrayLength() > 0);
        return view.GetProperty("openAlerts")[0].GetProperty("alertId").GetString()!;
    }
}
