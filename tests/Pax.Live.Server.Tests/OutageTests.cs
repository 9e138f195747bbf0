using System.Net.Http.Json;
using System.Net;
using Npgsql;

namespace Pax.Live.Server.Tests;

/// <summary>PostgreSQL goes away for 30 s under load: ingest and alerts go on, and once it is back everything is stored.</summary>
[Collection(PostgresCollection.Name)]
public sealed class OutageTests(PostgresFixture postgres, Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task ThirtySecondsWithoutTheDatabaseLoseNothing()
    {
        var connectionString = await postgres.Server.CreateDatabase();
        await using var pushService = await TestPushService.Start();
        await using var server = new ServerProcess(
            ServerProcess.NewTempDirectory("pax-outage"),
            "--Pax:Storage:Provider=PostgreSql",
            $"--Pax:Storage:ConnectionString={connectionString}",
            "--Pax:History:FlushEvery=00:00:00.200",
            $"--Pax:Push:AllowedOrigins:0={pushService.Origin}");
        await server.Start();
        await using var device = await Device.Connect(server, "cam-outage");

        // A guard of centrum whose phone asked for every new alert of the area.
        var guard = await GuardClient.Create(server, "centrum");
        using var phone = pushService.NewSubscription();
        await guard.Subscribe("phone", phone);
        (await guard.Client.PutAsJsonAsync("/api/push/settings", new { newAlerts = true })).EnsureSuccessStatusCode();

        // Before: an alert at Stora torget, stored.
        await device.Publish("pax/v1/stora-torget/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        var before = await server.WaitForPlace("stora-torget", v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        var storedAlert = before.GetProperty("openAlerts")[0].GetProperty("alertId").GetString();

        // Storgatan is running when the database goes. Seeding no longer activates every seeded place at the first
        // start, and a place that has never been active cannot activate without reading its stored state.
        await server.WaitForPlace("storgatan", _ => true);
        var (watcher, _) = await LiveClient.Watch(server);
        await using var controlRoom = watcher;

        await postgres.Server.StopServer();
        var outageEnds = DateTime.UtcNow.AddSeconds(30);
        var accepted = (await server.Stats()).Accepted;
        Task<double>? announced = null;
        var sent = 0;
        while (DateTime.UtcNow < outageEnds)
        {
            await device.Publish("pax/v1/storgatan/cam-1/signals", Device.Signals(Device.Now, ("people", 10 + (sent % 5)), ("motion", 0.2)));
            if (sent == 5)
            {
                await device.Publish("pax/v1/storgatan/cam-2/signals", Device.Signals(Device.Now, ("fire", 0.9)));
                announced = WaitForAnnouncement(controlRoom);
            }

            sent++;
            await Task.Delay(200);
        }

        // A change someone waits for is not answered as done while it cannot be stored: the snooze holds in memory,
        // but its answer is a 503 ProblemDetails, not the 204 that promises it survives a crash.
        var snooze = await server.Http.PostAsJsonAsync("/api/places/storgatan/snooze", new { kind = "impulse", minutes = 15, why = "Byggarbete" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, snooze.StatusCode);
        Assert.Equal("application/problem+json", snooze.Content.Headers.ContentType?.MediaType);

        // During: ingest kept going and the alert was raised from memory.
        var during = await server.WaitForStats(s => s.Accepted >= accepted + sent + 1);
        Assert.True(during.Accepted >= accepted + sent + 1);
        var live = await server.WaitForPlace("storgatan", v => v.GetProperty("level").GetString() == "alert");
        var outageAlert = live.GetProperty("openAlerts")[0].GetProperty("alertId").GetString();
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/healthz")).StatusCode);

        // The fire alert went out to the control room while the database was still away (the reading is durable in
        // the node's ingest log), not when it came back.
        Assert.True(announced!.IsCompletedSuccessfully, "The alert raised during the outage was not announced during it.");
        output.WriteLine($"The alert raised during the outage was announced {await announced:0} ms after its PUBACK");
        Assert.Equal(outageAlert, controlRoom.Of<AlertEvent>().Single(a => a.Kind == "fire").AlertId);

        // The guard's phone heard of it during the outage too.
        bool IsOutageAlert(ReceivedPush p) => p.Endpoint == phone.Endpoint && phone.Payload(p).GetProperty("alertId").GetString() == outageAlert;
        var pushed = await pushService.WaitFor(IsOutageAlert, TimeSpan.FromSeconds(5));
        Assert.Equal("fire", phone.Payload(pushed).GetProperty("kind").GetString());

        await postgres.Server.StartServer();
        NpgsqlConnection.ClearAllPools();

        // After: the retried history write lands, and the places' retried snapshots (backoff at most 30 s) with it.
        await WaitForRows(connectionString, "SELECT count(*) FROM pax_level_change WHERE place_id = 'storgatan' AND to_level = 'alert'");
        await Task.Delay(TimeSpan.FromSeconds(32));

        // Stored once the database was back, it was not pushed again.
        Assert.Single(pushService.Received, IsOutageAlert);
        await server.Stop(crash: true);
        await server.Start();

        var afterStora = await server.WaitForPlace("stora-torget", v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        Assert.Equal(storedAlert, afterStora.GetProperty("openAlerts")[0].GetProperty("alertId").GetString());
        var afterStorgatan = await server.WaitForPlace("storgatan", v => v.GetProperty("openAlerts").GetArrayLength() == 1);
        Assert.Equal(outageAlert, afterStorgatan.GetProperty("openAlerts")[0].GetProperty("alertId").GetString());
        Assert.Equal("fire", afterStorgatan.GetProperty("openAlerts")[0].GetProperty("kind").GetString());
    }

    private static async Task<double> WaitForAnnouncement(LiveClient live)
    {
        var published = System.Diagnostics.Stopwatch.GetTimestamp();
        await live.WaitFor<AlertEvent>(a => a.Kind == "fire" && a.PlaceId == "storgatan", TimeSpan.FromSeconds(25));
        return System.Diagnostics.Stopwatch.GetElapsedTime(published).TotalMilliseconds;
    }

    private static async Task WaitForRows(string connectionString, string sql)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand(sql, connection);
                if ((long)(await command.ExecuteScalarAsync())! > 0)
                {
                    return;
                }
            }
            catch (NpgsqlException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException("No rows for: " + sql);
    }
}
