using System.Diagnostics;
using System.Net.Http.Json;

namespace Pax.Live.Server.Tests;

/// <summary>
/// What changes with time alone, on the server as shipped: a place's tick sleeps until its next change is due (its
/// heartbeat is 30 s), so these changes are seen on time only if the place computed when they are due.
/// </summary>
public sealed class TimeTests
{
    [Fact]
    public async Task TheCauseRunningOutAndTheSilenceAreSeenWhenTheyAreDueWithoutAReading()
    {
        await using var server = new ServerProcess(ServerProcess.NewTempDirectory("pax-time"),
            "--Pax:Levels:CauseHold=00:00:02", "--Pax:Levels:UnknownAfter=00:00:04", "--Pax:Levels:MinLevelDuration=00:00:01");
        await server.Start();
        var place = "time-" + Guid.NewGuid().ToString("N")[..8];
        (await server.Http.PutAsJsonAsync($"/api/places/{place}", new { name = place, kind = "torg", latitude = 59.27, longitude = 15.21 }))
            .EnsureSuccessStatusCode();
        var (live, _) = await LiveClient.Watch(server, place);
        await using var _1 = live;
        await using var device = await Device.Connect(server, "cam-time");

        var sent = Stopwatch.StartNew();
        await device.Publish($"pax/v1/{place}/cam-1/signals", Device.Signals(Device.Now, ("impulse", 1)));
        await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "alert");

        // The cause's hold ends 2 s after the impulse: calm, with nothing heard since.
        await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "calm", TimeSpan.FromSeconds(10));
        var calmAfter = sent.Elapsed;

        // 4 s after the impulse the place has been silent too long: unknown.
        await live.WaitFor<StatusEvent>(s => s.PlaceId == place && s.Level == "unknown", TimeSpan.FromSeconds(10));
        var unknownAfter = sent.Elapsed;

        Assert.InRange(calmAfter.TotalSeconds, 1.9, 3.5);
        Assert.InRange(unknownAfter.TotalSeconds, 3.9, 5.5);
    }
}
