using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

/// <summary>Levels that move with time alone. These tests move the shared clock, so they run in their own collection's order.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ClockTests(ClusterFixture fixture)
{
    [Fact]
    public async Task SilentPlaceTurnsUnknownAndAnUntouchedAlertWaitsForAcknowledgment()
    {
        var id = await fixture.NewPlace();
        var place = fixture.Grains.GetGrain<IPlaceGrain>(id);
        await place.Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);

        await fixture.Advance(TimeSpan.FromMinutes(3));

        // The place's one-second tick notices the silence and the expired hold without any new signal.
        await fixture.Events.WaitFor<PlaceStatusChanged>(s => s.PlaceId == id && s.Level == Level.Unknown);
        var status = await place.GetStatus();
        Assert.Equal(Level.Unknown, status.Level);
        var open = Assert.Single(status.OpenAlerts);
        var alert = fixture.Grains.GetGrain<IAlertGrain>(open.AlertId);
        var cleared = await fixture.Events.WaitFor<AlertView>(a => a.AlertId == open.AlertId && a.State == AlertState.ClearedAckRequired);
        Assert.True(cleared.CauseCleared);

        // Only resolving it frees the place's alert slot, and keeps it as recent history.
        await alert.Resolve(new Actor("olle", Role.Operator, []), AlertOutcome.NoActionNeeded, "Kontrollerat i kamera");
        var after = await WaitForStatus(place, s => s.OpenAlerts.Length == 0);
        var closed = Assert.Single(after.RecentAlerts);
        Assert.Equal(open.AlertId, closed.Alert.AlertId);
        var audit = await alert.GetAudit();
        Assert.Equal(["raised", "cause cleared", "resolved"], audit.Select(a => a.Action));
    }

    private static async Task<PlaceStatus> WaitForStatus(IPlaceGrain place, Func<PlaceStatus, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var status = await place.GetStatus();
            if (done(status) || DateTime.UtcNow > deadline)
            {
                return status;
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task CompletedMinutesAreRolledUpAndLevelChangesRecorded()
    {
        var id = await fixture.NewPlace();
        var place = fixture.Grains.GetGrain<IPlaceGrain>(id);
        var minuteStart = fixture.NowMs / 60_000 * 60_000;
        await place.Ingest(new SignalBatch([
            new SignalSample("cam-1", SignalKind.People, 4, fixture.NowMs),
            new SignalSample("cam-2", SignalKind.People, 8, fixture.NowMs),
        ]));

        await fixture.Advance(TimeSpan.FromSeconds(61));

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!fixture.History.Rollups.Any(r => r.PlaceId == id) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var rollup = Assert.Single(fixture.History.Rollups, r => r.PlaceId == id);
        Assert.Equal(SignalKind.People, rollup.Kind);
        Assert.Equal(minuteStart, rollup.MinuteStartMs);
        Assert.Equal(2, rollup.Count);
        Assert.Equal(4, rollup.Min);
        Assert.Equal(8, rollup.Max);
        Assert.Equal(6, rollup.Mean);
        var change = Assert.Single(fixture.History.Levels, l => l.PlaceId == id);
        Assert.Equal(Level.Unknown, change.From);
        Assert.Equal(Level.Calm, change.To);
    }
}
