using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Pax.Live.Server.Tests;

[CollectionDefinition(Name)]
public sealed class HistoryCollection
{
    public const string Name = "history";
}

/// <summary>History in the database and back out of the API. Its own server: it waits for a minute to complete.</summary>
[Collection(HistoryCollection.Name)]
public sealed class HistoryTests
{
    [Fact]
    public async Task MinuteRollupsAndLevelChangesComeBackFromTheHistoryApi()
    {
        await using var server = new ServerProcess(ServerProcess.NewTempDirectory("pax-history"), "--Pax:History:FlushEvery=00:00:00.200");
        await server.Start();
        const string place = "storgatan";
        var minuteStart = DateTimeOffset.FromUnixTimeMilliseconds(Device.Now / 60_000 * 60_000);
        await using (var device = await Device.Connect(server, "cam-history"))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("people", 3)));
            await device.Publish($"pax/v1/{place}/cam-2/signals", Device.Signals(Device.Now, ("people", 9)));

            // Calm first: an impulse sent at once could reach the place in the same batch (events are read first).
            await server.WaitForPlace(place, v => v.GetProperty("level").GetString() == "calm");
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        }

        var url = $"/api/places/{place}/history?from={Uri.EscapeDataString(minuteStart.AddMinutes(-5).ToString("O"))}&to={Uri.EscapeDataString(minuteStart.AddMinutes(5).ToString("O"))}&step=1m";
        var levels = await Poll(server, url, h => h.GetProperty("levels").GetArrayLength() >= 2, TimeSpan.FromSeconds(20));
        var changes = levels.GetProperty("levels").EnumerateArray().Select(l => (l.GetProperty("from").GetString(), l.GetProperty("to").GetString())).ToArray();
        Assert.Contains(("unknown", "calm"), changes);
        Assert.Contains(changes, c => c.Item2 == "alert");

        // Rollups are written when the minute completes: up to a minute and a tick from now.
        var history = await Poll(server, url, h => h.GetProperty("series").TryGetProperty("people", out _), TimeSpan.FromSeconds(90));
        var point = Assert.Single(history.GetProperty("series").GetProperty("people").EnumerateArray());
        Assert.Equal(minuteStart, point.GetProperty("t").GetDateTimeOffset());
        Assert.Equal(2, point.GetProperty("count").GetInt64());
        Assert.Equal(3, point.GetProperty("min").GetDouble());
        Assert.Equal(9, point.GetProperty("max").GetDouble());
        Assert.Equal(6, point.GetProperty("mean").GetDouble());

        // The minute's slots replay: the place's own rules give the alert it raised, at the same moment; a people
        // threshold of 1 without dwell would have had the place elevated from the first reading.
        var period = new { from = minuteStart.AddMinutes(-1), to = minuteStart.AddMinutes(2) };
        var replay = await Replay(server, new { period.from, period.to });
        Assert.Equal(2, replay.GetProperty("slots").GetInt32());
        var actualAlert = Assert.Single(replay.GetProperty("actual").GetProperty("alerts").EnumerateArray());
        var replayedAlert = Assert.Single(replay.GetProperty("replayed").GetProperty("alerts").EnumerateArray());
        Assert.Equal("impulse", replayedAlert.GetProperty("kind").GetString());
        Assert.Equal(actualAlert.GetProperty("raisedAt").GetDateTimeOffset(), replayedAlert.GetProperty("raisedAt").GetDateTimeOffset());
        var devices = replay.GetProperty("actual").GetProperty("devices").EnumerateArray().ToArray();
        Assert.Equal(["cam-1", "cam-2"], devices.Select(d => d.GetProperty("deviceId").GetString()));
        Assert.All(devices, d => Assert.True(d.GetProperty("online").GetBoolean()));
        Assert.DoesNotContain(Levels(replay), l => l == "elevated");
        Assert.Contains("alert", Levels(replay));
        var eager = await Replay(server, new { period.from, period.to, rules = new { people = 1, dwellSeconds = 0 } });
        Assert.Contains("elevated", Levels(eager));
        Assert.True(eager.GetProperty("replayedHours").GetProperty("elevated").GetDouble() > 0);
        Assert.Equal(1, eager.GetProperty("replayed").GetProperty("alerts").GetArrayLength());

        static string[] Levels(JsonElement r) =>
            [.. r.GetProperty("replayed").GetProperty("levels").EnumerateArray().Select(l => l.GetProperty("to").GetString()!)];

        var badRules = await server.Http.PostAsJsonAsync($"/api/places/{place}/replay", new { period.from, period.to, rules = new { people = -1, dwellSeconds = 5000 } });
        Assert.Equal(HttpStatusCode.BadRequest, badRules.StatusCode);
        var problem = await badRules.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("rules.people", out _));
        Assert.True(problem.GetProperty("errors").TryGetProperty("rules.dwellSeconds", out _));
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.PostAsJsonAsync($"/api/places/{place}/replay", new { from = period.to, to = period.from })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.PostAsJsonAsync($"/api/places/{place}/replay", new { from = period.to.AddDays(-40), period.to })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.PostAsJsonAsync("/api/places/nowhere/replay", new { })).StatusCode);
        (await server.Http.PutAsJsonAsync("/api/users/vakt-replay", new { role = "guard", areas = (string[])["centrum"], password = "password-vakt-replay" })).EnsureSuccessStatusCode();
        using var guard = server.As(await server.Login("vakt-replay", "password-vakt-replay"));
        Assert.Equal(HttpStatusCode.Forbidden, (await guard.PostAsJsonAsync($"/api/places/{place}/replay", new { })).StatusCode);

        var hourly = await server.Http.GetFromJsonAsync<JsonElement>($"/api/places/{place}/history?step=1h");
        Assert.Equal("1h", hourly.GetProperty("step").GetString());

        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.GetAsync($"/api/places/{place}/history?step=7x")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.GetAsync($"/api/places/{place}/history?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await server.Http.GetAsync($"/api/places/{place}/history?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z&step=1m")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await server.Http.GetAsync("/api/places/nowhere/history")).StatusCode);
    }

    [Fact]
    public async Task HistoryOlderThanTheRetentionIsPurgedByTheScheduledJob()
    {
        await using var server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-retention"),
            "--Pax:History:FlushEvery=00:00:00.200",
            "--Pax:History:Retention=00:00:03",
            "--Pax:History:PurgeEvery=00:00:01");
        await server.Start();
        const string place = "resecentrum";
        await using (var device = await Device.Connect(server, "cam-retention"))
        {
            await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("people", 3)));
        }

        var url = $"/api/places/{place}/history?from={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O"))}&to={Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"))}&step=1h";
        await Poll(server, url, h => h.GetProperty("levels").GetArrayLength() == 1, TimeSpan.FromSeconds(20));

        // Three seconds on, the level change is older than the retention and the next purge takes it.
        await Poll(server, url, h => h.GetProperty("levels").GetArrayLength() == 0, TimeSpan.FromSeconds(20));
    }

    private static async Task<JsonElement> Replay(ServerProcess server, object request)
    {
        var response = await server.Http.PostAsJsonAsync("/api/places/storgatan/replay", request);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonDocument.Parse(body).RootElement;
    }

    private static async Task<JsonElement> Poll(ServerProcess server, string url, Func<JsonElement, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        JsonElement body = default;
        while (DateTime.UtcNow < deadline)
        {
            body = await server.Http.GetFromJsonAsync<JsonElement>(url);
            if (done(body))
            {
                return body;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"History never matched: {body}\n{server.Output}");
    }
}
