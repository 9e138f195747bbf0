using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

/// <summary>The alert's row for reports: its steps' first times, taken from the audit trail.</summary>
public sealed class AlertRowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 22, 0, 0, TimeSpan.Zero);
    private static readonly Actor Operator = new("olle", Role.Operator, []);
    private static readonly Actor Guard = new("gita", Role.Guard, ["centrum"]);

    private static AlertLifecycle NewAlert() => AlertLifecycle.Raise(
        new AlertView("a1", "stora-torget", SignalKind.Impulse, 3, AlertState.Raised, T0, T0, 1, "Bang at Stora torget", false, null, null, null, "centrum"),
        T0);

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    [Fact]
    public void EveryStepHasTheTimeItFirstHappened()
    {
        var alert = NewAlert();
        alert.Acknowledge(Operator, T0.AddSeconds(10));
        alert.Dispatch(Operator, "gita", T0.AddSeconds(20));
        alert.OnSite(Guard, T0.AddMinutes(4));
        alert.Resolve(Guard, AlertOutcome.FalseAlarm, "Fyrverkerier", T0.AddMinutes(9));

        var row = AlertRow.From(alert.View, alert.Audit);

        Assert.Equal(new AlertRow(
            "a1", "stora-torget", "centrum", SignalKind.Impulse, 3, Ms(T0), Ms(T0.AddSeconds(10)), Ms(T0.AddSeconds(20)), Ms(T0.AddMinutes(4)),
            Ms(T0.AddMinutes(9)), AlertOutcome.FalseAlarm, Escalated: false, Version: 5, DeviceId: null), row);
    }

    [Fact]
    public void ADispatchWithoutAnAcknowledgmentCountsAsThePersonTakingItOnAndTheSystemNeverDoes()
    {
        var alert = NewAlert();
        alert.CauseCleared(T0.AddMinutes(1));
        Assert.Null(AlertRow.From(alert.View, alert.Audit).AcknowledgedAt);
        Assert.True(alert.Escalate(T0.AddMinutes(2), TimeSpan.FromMinutes(1)));

        alert.Dispatch(Operator, "gita", T0.AddMinutes(3));
        var row = AlertRow.From(alert.View, alert.Audit);

        Assert.Equal(Ms(T0.AddMinutes(3)), row.AcknowledgedAt);
        Assert.Equal(Ms(T0.AddMinutes(3)), row.DispatchedAt);
        Assert.True(row.Escalated);
        Assert.Null(row.Outcome);
        Assert.Null(row.ResolvedAt);
    }
}

/// <summary>The alert grain reports its row to the history on every stored change.</summary>
[Collection(ClusterCollection.Name)]
public sealed class AlertHistoryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task EveryStoredChangeOfAnAlertReachesTheHistory()
    {
        var id = "hist-" + Guid.NewGuid().ToString("N");
        var now = fixture.Clock.GetUtcNow();
        var alert = fixture.Grains.GetGrain<IAlertGrain>(id);
        await alert.Open(new AlertView(id, "hist-place", SignalKind.Fire, 2, AlertState.Raised, now, now, 1, "Possible fire", false, null, null, null, "centrum"), AlertOpening.Raised);
        await alert.Acknowledge(new Actor("olle", Role.Operator, []));
        await alert.Resolve(new Actor("olle", Role.Operator, []), AlertOutcome.Confirmed, "Brandkåren på plats");

        var rows = fixture.History.Alerts.Where(r => r.AlertId == id).ToArray();
        Assert.Equal([1, 2, 3], rows.Select(r => r.Version));
        var last = rows[^1];
        Assert.Equal(SignalKind.Fire, last.Kind);
        Assert.Equal("centrum", last.Area);
        Assert.Equal(AlertOutcome.Confirmed, last.Outcome);
        Assert.NotNull(last.AcknowledgedAt);
        Assert.NotNull(last.ResolvedAt);
    }

    [Fact]
    public async Task EachStepAnAlertStoresIsCountedOnceAndOpeningItAgainCountsNothing()
    {
        // The cluster's tests run one at a time (one collection), so the process-wide counts move only for this alert.
        var id = "count-" + Guid.NewGuid().ToString("N");
        var now = fixture.Clock.GetUtcNow();
        var view = new AlertView(id, "count-place", SignalKind.Impulse, 3, AlertState.Raised, now, now, 1, "Bang", false, null, null, null, "centrum");
        var before = Enum.GetValues<AlertTransition>().ToDictionary(t => t, HotPathMetrics.AlertsEntered);
        var alert = fixture.Grains.GetGrain<IAlertGrain>(id);
        var olle = new Actor("olle", Role.Operator, []);

        await alert.Open(view, AlertOpening.Raised);
        await alert.Open(view, AlertOpening.Raised);
        await alert.Acknowledge(olle);
        await alert.Dispatch(olle, "gita");
        await alert.Resolve(olle, AlertOutcome.FalseAlarm, "Fyrverkerier");

        var moved = Enum.GetValues<AlertTransition>().ToDictionary(t => t, t => HotPathMetrics.AlertsEntered(t) - before[t]);
        Assert.Equal(
            new Dictionary<AlertTransition, long>
            {
                [AlertTransition.Raised] = 1, [AlertTransition.Acknowledged] = 1, [AlertTransition.Dispatched] = 1,
                [AlertTransition.Received] = 0, [AlertTransition.Accepted] = 0, [AlertTransition.OnSite] = 0, [AlertTransition.Resolved] = 1,
            },
            moved);
    }
}
