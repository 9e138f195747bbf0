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

        // The place's tick notices the silence and the expired hold without any new signal (this fixture's clock jumps,
        // so its places also wake on a one-second heartbeat; TimeTests shows them waking when due on a real clock).
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
        // Three minutes untouched also escalates it (after one); when the timer got to that does not matter here.
        Assert.Equal(["raised", "cause cleared", "resolved"], audit.Select(a => a.Action).Where(a => a != "escalated"));
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

/// <summary>Escalation with the controllable clock: an alert waiting too long for people goes to the supervisors.</summary>
[Collection(ClusterCollection.Name)]
public sealed class EscalationTests(ClusterFixture fixture)
{
    private static readonly Actor Operator = new("olle", Role.Operator, []);

    [Fact]
    public async Task AnUnacknowledgedAlertAndAnUnreceivedDispatchAreEscalated()
    {
        var id = await fixture.NewPlace();
        await fixture.Grains.GetGrain<IPlaceGrain>(id).Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        var raised = await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);
        var alert = fixture.Grains.GetGrain<IAlertGrain>(raised.AlertId);

        await fixture.Advance(TimeSpan.FromSeconds(30));
        await alert.CheckEscalation();
        Assert.Null((await alert.GetView())!.EscalatedAt);

        // Past a minute (severity 3) nobody has acknowledged it: the timer escalates it and the hosts hear of it.
        await fixture.Advance(TimeSpan.FromSeconds(31));
        await fixture.Events.WaitFor<AlertView>(a => a.AlertId == raised.AlertId && a.EscalatedAt is not null);

        // Dispatched, but the guard's phone never confirms: escalated again a minute after the dispatch.
        await alert.Dispatch(Operator, "gita");
        await fixture.Advance(TimeSpan.FromSeconds(61));
        await alert.CheckEscalation();
        var audit = await alert.GetAudit();
        Assert.Equal(["raised", "escalated", "dispatched", "escalated"], audit.Select(a => a.Action));
        Assert.Contains("not received by gita", audit[^1].Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AReceivedDispatchIsNotEscalated()
    {
        var id = await fixture.NewPlace();
        await fixture.Grains.GetGrain<IPlaceGrain>(id).Ingest(new SignalBatch([new SignalSample("cam-1", SignalKind.Impulse, 1, fixture.NowMs)]));
        var raised = await fixture.Events.WaitFor<AlertRaised>(a => a.PlaceId == id);
        var alert = fixture.Grains.GetGrain<IAlertGrain>(raised.AlertId);

        await alert.Acknowledge(Operator);
        await alert.Dispatch(Operator, "gita");
        await alert.Received(new Actor("gita", Role.Guard, ["centrum"]));
        await fixture.Advance(TimeSpan.FromMinutes(5));
        await alert.CheckEscalation();

        Assert.Null((await alert.GetView())!.EscalatedAt);
        Assert.Equal(["raised", "acknowledged", "dispatched", "received"], (await alert.GetAudit()).Select(a => a.Action));
    }
}
