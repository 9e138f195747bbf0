using Pax.Live.Contracts;
using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

/// <summary>The place model's rules, without a cluster: readings and ticks in, effects out.</summary>
public sealed class PlaceTests
{
    private static readonly PlaceRules Rules = PlaceRules.Default with { PeopleThreshold = 40, Dwell = TimeSpan.FromSeconds(30) };

    private static Place NewPlace() => new("stora-torget", Rules, PlaceMemory.Empty, T0);

    private static PlaceEffects Batch(Place place, long now, params (SignalKind Kind, double Value)[] readings)
    {
        foreach (var (kind, value) in readings)
        {
            place.Read("cam-1", kind, value, now, now);
        }

        return place.Settle(now);
    }

    [Fact]
    public void ABangOpensOneAlertAndTheNextRepeatsIt()
    {
        var place = NewPlace();

        var first = Batch(place, At(1), (SignalKind.Impulse, 1));
        var opened = Assert.Single(first.Opened);
        Assert.Equal(SignalKind.Impulse, opened.Kind);
        Assert.Equal(AlertIds.For("stora-torget", "cam-1", SignalKind.Impulse, At(1)), opened.AlertId);
        Assert.True(first.LevelChanged);
        Assert.True(first.StatusDue);
        Assert.Equal(Level.Alert, place.Core.Level);

        var second = Batch(place, At(5), (SignalKind.Impulse, 1));
        Assert.Empty(second.Opened);
        var repeated = Assert.Single(second.Repeated);
        Assert.Equal(opened.AlertId, repeated.AlertId);
        Assert.Equal(2, repeated.Count);
        Assert.Equal(At(5), repeated.LastSeen);
        Assert.Equal(2, Assert.Single(place.OpenAlerts).Count);
    }

    [Fact]
    public void ASnoozedKindRaisesNoAlertButTheLevelStillTellsTheTruth()
    {
        var place = NewPlace();
        place.Snooze(SignalKind.Impulse, At(600), "op", "fireworks", At(0));

        var effects = Batch(place, At(1), (SignalKind.Impulse, 1));

        Assert.Empty(effects.Opened);
        Assert.Empty(place.OpenAlerts);
        Assert.Equal(Level.Alert, place.Core.Level);
        Assert.True(effects.NextWakeAt <= At(600));

        // The snooze ends by itself; the next bang calls people out again.
        place.Tick(At(600));
        Assert.Empty(place.Snoozes);
        Assert.Single(Batch(place, At(601), (SignalKind.Impulse, 1)).Opened);
    }

    [Fact]
    public void AResolvedAlertBecomesHistoryAndTheCauseMayRaiseANewOne()
    {
        var place = NewPlace();
        var alert = Assert.Single(Batch(place, At(1), (SignalKind.Impulse, 1)).Opened);

        Assert.True(place.AlertResolved(alert.AlertId, At(20)));
        Assert.False(place.AlertResolved(alert.AlertId, At(21)));
        Assert.Empty(place.OpenAlerts);
        var closed = Assert.Single(place.RecentAlerts);
        Assert.Equal((alert.AlertId, At(20)), (closed.Alert.AlertId, closed.ClosedAt));

        var next = Assert.Single(Batch(place, At(30), (SignalKind.Impulse, 1)).Opened);
        Assert.NotEqual(alert.AlertId, next.AlertId);
    }

    [Fact]
    public void ACauseThatRunsOutClearsItsAlertOnceAndAgainAfterItCameBack()
    {
        var place = NewPlace();
        var alert = Assert.Single(Batch(place, At(1), (SignalKind.Impulse, 1)).Opened);
        var hold = (int)Rules.CauseHold.TotalSeconds;
        place.SaveAt(At(10 * hold));
        place.Published(At(1));

        Assert.Empty(place.Tick(At(hold / 2)).CausesCleared);
        place.Published(At(hold / 2));
        var wake = place.NextWakeAt(At(hold / 2));
        Assert.InRange(wake, At(hold / 2) + 1, At(1 + hold));

        var cleared = place.Tick(At(2 + hold));
        Assert.Equal(alert.AlertId, Assert.Single(cleared.CausesCleared).AlertId);
        Assert.Empty(place.Tick(At(3 + hold)).CausesCleared);
        Assert.Single(place.OpenAlerts);

        // The cause comes back while the alert is still open: the same alert, cleared again once the hold runs out.
        var back = Batch(place, At(10 + hold), (SignalKind.Impulse, 1));
        Assert.Empty(back.Opened);
        Assert.Single(back.Repeated);
        Assert.Equal(alert.AlertId, Assert.Single(place.Tick(At(11 + (2 * hold))).CausesCleared).AlertId);
    }

    [Fact]
    public void FocusLowersThresholdsAndEndsByItself()
    {
        var place = NewPlace();
        place.SetFocus(new PlaceFocus(At(3600), "op", "evening"), At(0));

        // 30 people is under 40 but over 70 % of it, for half the dwell.
        for (var s = 0; s <= 60; s++)
        {
            Batch(place, At(s), (SignalKind.People, 30));
        }

        Assert.Equal(Level.Elevated, place.Core.Level);
        Assert.True(place.NextWakeAt(At(60)) <= At(3600));

        place.Tick(At(3600));
        Assert.Null(place.Focus);
        Assert.Equal(40, place.Core.Rules.PeopleThreshold);
    }

    [Fact]
    public void ValuesAloneAreDueAtMostEveryQuarterSecondAndWithinASecond()
    {
        var place = NewPlace();
        Assert.True(Batch(place, At(1), (SignalKind.People, 5)).StatusDue);
        place.Published(At(1));

        var soon = Batch(place, At(1) + 100, (SignalKind.People, 6));
        Assert.False(soon.StatusDue);
        Assert.True(soon.NextWakeAt <= At(2));
        Assert.True(place.Tick(At(2)).StatusDue);
        place.Published(At(2));
        Assert.False(place.HasUnpublishedChanges);
    }

    [Fact]
    public void WhatIsRememberedMakesTheSamePlaceAgain()
    {
        var place = NewPlace();
        var alert = Assert.Single(Batch(place, At(1), (SignalKind.Fire, 0.9)).Opened);
        place.Snooze(SignalKind.Impulse, At(900), "op", "works", At(2));
        place.SetFocus(new PlaceFocus(At(1800), "op", "event"), At(2));
        place.DeviceStatus("cam-2", online: false, At(3));

        var again = new Place("stora-torget", Rules, place.Remember(), At(4));

        Assert.Equal(alert, Assert.Single(again.OpenAlerts));
        Assert.Equal(SignalKind.Impulse, Assert.Single(again.Snoozes).Kind);
        Assert.Equal(At(1800), again.Focus?.Until);
        Assert.Equal(28, again.Core.Rules.PeopleThreshold!.Value, 6);
        Assert.Contains(new PlaceDevice("cam-2", false, At(3)), again.Devices());
        Assert.Equal(place.Core.Level, again.Core.Level);

        // The same reading again is the same alert: it repeats, it does not open a second one.
        again.Read("cam-1", SignalKind.Fire, 0.9, At(5), At(5));
        Assert.Empty(again.Settle(At(5)).Opened);
    }

    [Fact]
    public void ADeviceIsNotedAsComingOnlineAtItsFirstReadingAndAfterItsOfflineWordOnly()
    {
        var place = NewPlace();
        Assert.Equal([new PlaceDevice("cam-1", true, At(1))], Batch(place, At(1), (SignalKind.People, 3)).DeviceChanges);
        Assert.Empty(Batch(place, At(2), (SignalKind.People, 4)).DeviceChanges);

        Assert.True(place.DeviceStatus("cam-1", online: false, At(3)));
        Assert.False(place.DeviceStatus("cam-1", online: false, At(4)));
        Assert.Equal([new PlaceDevice("cam-1", true, At(5))], Batch(place, At(5), (SignalKind.People, 5)).DeviceChanges);
    }

    [Fact]
    public void ASnapshotIsDueOnlyAfterAChangeAndAtItsTime()
    {
        var place = NewPlace();
        place.Saved(At(10));
        Assert.False(place.IsSnapshotDue(At(20)));

        Batch(place, At(21), (SignalKind.People, 3));
        place.SaveAt(At(30));
        Assert.False(place.IsSnapshotDue(At(29)));
        Assert.True(place.IsSnapshotDue(At(30)));
        Assert.True(place.NextWakeAt(At(21)) <= At(30));
    }
}
