using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Server.Tests;

/// <summary>The whole path, end to end: MQTT over TCP in, SignalR and HTTP out, against the real server process.</summary>
[Collection(ServerCollection.Name)]
public sealed class SpineTests(ServerFixture server)
{
    private async Task<string> NewPlace(object? thresholds = null)
    {
        var id = "e2e-" + Guid.NewGuid().ToString("N")[..10];
        var response = await server.Http.PutAsJsonAsync($"/api/places/{id}", new
        {
            name = "Testtorget " + id,
            kind = "torg",
            latitude = 59.27,
            longitude = 15.21,
            thresholds,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return id;
    }

    [Fact]
    public async Task ImpulseOverMqttTurnsThePlaceRedInASignalRClient()
    {
        var place = await NewPlace();
        var (live, current) = await LiveClient.Watch(server);
        await using var _ = live;
        Assert.Contains(current, s => s.PlaceId == place && s.Level == "unknown" && s.UpdatedAt is null);
        await using var device = await Device.Connect(server, "cam-e2e-1");

        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1), ("people", 7)));

        var alert = await live.WaitFor<AlertEvent>(a => a.PlaceId == place);
        Assert.Equal("impulse", alert.Kind);
        Assert.Equal(3, alert.Severity);
        Assert.False(string.IsNullOrWhiteSpace(alert.AlertId));
        var status = await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "alert");
        Assert.Equal(7, status.Values["people"]);
        Assert.Equal(1, status.Values["impulse"]);
        Assert.InRange(status.UpdatedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task ARepeatOfAnOpenCauseUpdatesTheAlertInsteadOfRaisingAnother()
    {
        var place = await NewPlace();
        var (live, _) = await LiveClient.Watch(server, place);
        await using var __ = live;
        await using var device = await Device.Connect(server, "cam-e2e-2");

        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("fire", 0.9)));
        await live.WaitFor<AlertEvent>(a => a.PlaceId == place);
        await device.Publish($"pax/v1/{place}/cam-2/signals", Device.Signals(Device.Now, ("fire", 0.95)));
        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("people", 2)));
        await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Values.GetValueOrDefault("people") == 2);

        Assert.Single(live.Of<AlertEvent>());
        var view = await server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{place}");
        var open = Assert.Single(view.GetProperty("openAlerts").EnumerateArray());
        Assert.Equal(2, open.GetProperty("count").GetInt32());
        Assert.Equal("fire", open.GetProperty("kind").GetString());
    }

    [Fact]
    public async Task AClientWatchingSomePlacesGetsOnlyThose()
    {
        var watched = await NewPlace();
        var other = await NewPlace();
        var (live, current) = await LiveClient.Watch(server, watched);
        await using var _ = live;
        Assert.Equal(watched, Assert.Single(current).PlaceId);
        await using var device = await Device.Connect(server, "cam-e2e-3");

        await device.Publish($"pax/v1/{other}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        await device.Publish($"pax/v1/{watched}/cam-1/signals", Device.Signals(Device.Now, ("motion", 0.2)));

        await live.WaitFor<StatusEvent>(s => s.PlaceId == watched);
        await Task.Delay(500);
        Assert.All(live.Of<StatusEvent>(), s => Assert.Equal(watched, s.PlaceId));
        Assert.Empty(live.Of<AlertEvent>());
    }

    [Fact]
    public async Task ThresholdOverItsDwellElevatesThePlace()
    {
        var place = await NewPlace(new { people = 20, dwellSeconds = 1 });
        var (live, _) = await LiveClient.Watch(server, place);
        await using var __ = live;
        await using var device = await Device.Connect(server, "cam-e2e-4");

        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("people", 30)));
        await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "calm");
        await Task.Delay(1100);
        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("people", 31)));

        await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "elevated");
    }

    [Fact]
    public async Task GarbageIsRejectedCountedByReasonAndTheServerStaysUp()
    {
        var place = await NewPlace();
        var before = await server.Stats();
        await using var device = await Device.Connect(server, "garbage-maker");
        var ok = Device.Signals(Device.Now, ("motion", 0.5));
        var cases = new (string Reason, string Topic, byte[] Payload)[]
        {
            ("topic", "pax/v2/x/y/signals", "{}"u8.ToArray()),
            ("topic", $"pax/v1/{place}/cam-1/video", "{}"u8.ToArray()),
            ("bad_id", $"pax/v1/{place}/Cam_1/signals", "{}"u8.ToArray()),
            ("unknown_place", "pax/v1/no-such-place/cam-1/signals", System.Text.Encoding.UTF8.GetBytes(ok)),
            ("too_large", $"pax/v1/{place}/cam-1/signals", new byte[5000]),
            ("not_json", $"pax/v1/{place}/cam-1/signals", [0xff, 0xfe, 0x00, 0x01]),
            ("bad_shape", $"pax/v1/{place}/cam-1/signals", "[1,2,3]"u8.ToArray()),
            ("unknown_kind", $"pax/v1/{place}/cam-1/signals", System.Text.Encoding.UTF8.GetBytes(Device.Signals(Device.Now, ("faces", 1)))),
            ("not_finite", $"pax/v1/{place}/cam-1/signals", System.Text.Encoding.UTF8.GetBytes($"{{\"ts\":{Device.Now},\"signals\":[{{\"kind\":\"sound\",\"value\":1e999}}]}}")),
            ("out_of_range", $"pax/v1/{place}/cam-1/signals", System.Text.Encoding.UTF8.GetBytes(Device.Signals(Device.Now, ("motion", 1.5)))),
            ("signal_count", $"pax/v1/{place}/cam-1/signals", System.Text.Encoding.UTF8.GetBytes($"{{\"ts\":{Device.Now},\"signals\":[]}}")),
            ("future_ts", $"pax/v1/{place}/cam-1/signals", System.Text.Encoding.UTF8.GetBytes(Device.Signals(Device.Now + 600_000, ("motion", 0.1)))),
            ("bad_status", $"pax/v1/{place}/cam-1/status", "maybe"u8.ToArray()),
        };

        foreach (var (_, topic, payload) in cases)
        {
            await device.Publish(topic, payload);
        }

        var expected = cases.GroupBy(c => c.Reason).ToDictionary(g => g.Key, g => (long)g.Count());
        var after = await server.WaitForStats(s => expected.All(e => s.Rejected[e.Key] - before.Rejected[e.Key] >= e.Value));
        foreach (var (reason, count) in expected)
        {
            Assert.Equal(count, after.Rejected[reason] - before.Rejected[reason]);
        }

        Assert.True(server.IsRunning, server.Output);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);
        var status = await server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{place}");
        Assert.Equal("unknown", status.GetProperty("level").GetString());
        Assert.Empty(status.GetProperty("devices").EnumerateArray());
        var unknown = await server.Http.GetAsync("/api/places/no-such-place");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        // The same connection still works for good messages.
        await device.Publish($"pax/v1/{place}/cam-1/signals", ok);
        await server.WaitForStats(s => s.Accepted > after.Accepted);
    }

    [Fact]
    public async Task TheWillOfADeviceThatDropsOffMarksItOffline()
    {
        var place = await NewPlace();
        var statusTopic = $"pax/v1/{place}/cam-9/status";
        var device = await Device.Connect(server, "cam-e2e-will", o => o
            .WithWillTopic(statusTopic)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillRetain()
            .WithWillQualityOfServiceLevel(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce));
        await device.Publish(statusTopic, "online", retain: true);
        await WaitForDevice(place, "cam-9", online: true);

        // Power lost: the connection drops without a DISCONNECT, so the broker publishes the will.
        device.Client.Dispose();

        await WaitForDevice(place, "cam-9", online: false);
    }

    [Fact]
    public async Task PlacesApiListsValidatesAndUpserts()
    {
        var places = await server.Http.GetFromJsonAsync<JsonElement[]>("/api/places");
        Assert.Contains(places!, p => p.GetProperty("id").GetString() == "stora-torget" && p.GetProperty("kind").GetString() == "torg");
        Assert.Contains(places!, p => p.GetProperty("id").GetString() == "storgatan" && p.GetProperty("kind").GetString() == "street");

        var missing = await server.Http.GetAsync("/api/places/nowhere-at-all");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);

        var invalid = await server.Http.PutAsJsonAsync("/api/places/ok-id", new { name = "", kind = "torg", latitude = 95, longitude = 15 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("name", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("latitude", out _));
        var badId = await server.Http.PutAsJsonAsync("/api/places/Bad_Id", new { name = "x", kind = "torg", latitude = 1, longitude = 1 });
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);

        var id = await NewPlace();
        var update = await server.Http.PutAsJsonAsync($"/api/places/{id}", new { name = "Nytt namn", kind = "park", latitude = 59.3, longitude = 15.2 });
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        var view = await server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{id}");
        Assert.Equal("Nytt namn", view.GetProperty("name").GetString());
        Assert.Equal("park", view.GetProperty("kind").GetString());

        // A place created over the API is accepted by ingest straight away.
        await using var device = await Device.Connect(server, "cam-e2e-api");
        await device.Publish($"pax/v1/{id}/cam-1/signals", Device.Signals(Device.Now, ("sound", 55)));
        await server.WaitForPlace(id, v => v.GetProperty("values").TryGetProperty("sound", out var sound) && sound.GetDouble() == 55);
    }

    private async Task WaitForDevice(string place, string deviceId, bool online) =>
        await server.WaitForPlace(place, v => v.GetProperty("devices").EnumerateArray()
            .Any(d => d.GetProperty("deviceId").GetString() == deviceId && d.GetProperty("online").GetBoolean() == online));
}
