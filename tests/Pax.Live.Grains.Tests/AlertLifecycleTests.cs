using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains.Tests;

public sealed class AlertLifecycleTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 22, 0, 0, TimeSpan.Zero);
    private static readonly Actor Operator = new("olle", Role.Operator, []);
    private static readonly Actor Admin = new("ada", Role.Admin, []);
    private static readonly Actor Guard = new("gita", Role.Guard, ["centrum"]);
    private static readonly Actor OtherGuard = new("gustav", Role.Guard, ["centrum"]);
    private static readonly Actor GuardElsewhere = new("greta", Role.Guard, ["vivalla"]);
    private static readonly Actor Staff = new("stina", Role.Staff, ["centrum"]);

    private static AlertLifecycle NewAlert() => AlertLifecycle.Raise(
        new AlertView("a1", "stora-torget", SignalKind.Impulse, 3, AlertState.Raised, T0, T0, 1, "Bang at Stora torget", false, null, null, null, "centrum"),
        T0);

    [Fact]
    public void TheWholeWayFromRaisedToResolvedIsAudited()
    {
        var alert = NewAlert();
        alert.Acknowledge(Operator, T0.AddSeconds(10));
        alert.Dispatch(Operator, "gita", T0.AddSeconds(20));
        alert.Accept(Guard, T0.AddSeconds(25));
        alert.OnSite(Guard, T0.AddMinutes(4));
        alert.Resolve(Guard, AlertOutcome.FalseAlarm, "Fyrverkerier, ingen fara", T0.AddMinutes(9));

        Assert.Equal(AlertState.Resolved, alert.View.State);
        Assert.Equal(AlertOutcome.FalseAlarm, alert.View.Outcome);
        Assert.Equal(["raised", "acknowledged", "dispatched", "accepted", "on site", "resolved"], alert.Audit.Select(a => a.Action));
        Assert.Equal(["system", "olle", "olle", "gita", "gita", "gita"], alert.Audit.Select(a => a.Actor));
        Assert.Equal(-1, AlertLifecycle.FindTampering(alert.Audit));
    }

    [Fact]
    public void EveryAuditLineCarriesItsCodesBesideTheEnglishAndTheAcceptIsInTheView()
    {
        var alert = NewAlert();
        alert.CauseCleared(T0.AddSeconds(5));
        Assert.True(alert.Escalate(T0.AddMinutes(2), TimeSpan.FromMinutes(1)));
        alert.Acknowledge(Operator, T0.AddMinutes(3));
        alert.Dispatch(Operator, "gita", T0.AddMinutes(4));
        Assert.Null(alert.View.AcceptedAt);
        alert.Accept(Guard, T0.AddMinutes(5));
        alert.Accept(Guard, T0.AddMinutes(6));
        Assert.Equal(T0.AddMinutes(5), alert.View.AcceptedAt);
        alert.OnSite(Guard, T0.AddMinutes(7));
        alert.Resolve(Guard, AlertOutcome.FalseAlarm, " Fyrverkerier ", T0.AddMinutes(9));

        var cleared = alert.Audit.Single(e => e.Action == "cause cleared");
        Assert.Equal("cleared-before-action", cleared.Reason);
        var escalated = alert.Audit.Single(e => e.Action == "escalated");
        Assert.Equal(("not-acknowledged", 60d), (escalated.Reason, escalated.WaitSeconds));
        Assert.Equal("gita", alert.Audit.Single(e => e.Action == "dispatched").Guard);
        var resolved = alert.Audit.Single(e => e.Action == "resolved");
        Assert.Equal((AlertOutcome.FalseAlarm, "Fyrverkerier"), (resolved.Outcome, resolved.Note));
        Assert.Equal("FalseAlarm: Fyrverkerier", resolved.Why);
        Assert.Equal(-1, AlertLifecycle.FindTampering(alert.Audit));

        // The structured fields are under the hash like the rest.
        var edited = alert.Audit.Select(e => e.Action == "resolved" ? e with { Outcome = AlertOutcome.Confirmed } : e).ToList();
        Assert.Equal(edited.FindIndex(e => e.Action == "resolved"), AlertLifecycle.FindTampering(edited));
    }

    [Fact]
    public void ACauseThatClearsBeforeAnyoneActsWaitsForAnAcknowledgment()
    {
        var alert = NewAlert();
        alert.CauseCleared(T0.AddMinutes(2));

        Assert.Equal(AlertState.ClearedAckRequired, alert.View.State);
        Assert.True(alert.IsOpen);
        alert.Acknowledge(Operator, T0.AddMinutes(3));
        Assert.Equal(AlertState.Acknowledged, alert.View.State);
    }

    [Fact]
    public void ACauseClearingAfterSomeoneActedChangesNoState()
    {
        var alert = NewAlert();
        alert.Acknowledge(Operator, T0);
        alert.CauseCleared(T0.AddMinutes(2));

        Assert.Equal(AlertState.Acknowledged, alert.View.State);
        Assert.True(alert.View.CauseCleared);
    }

    [Fact]
    public void RepeatsUpdateCountAndLastSeen()
    {
        var alert = NewAlert();
        alert.Repeat(3, T0.AddSeconds(30), 3);

        Assert.Equal(4, alert.View.Count);
        Assert.Equal(T0.AddSeconds(30), alert.View.LastSeen);
        Assert.Single(alert.Audit);
    }

    public static TheoryData<string> InvalidMoves => new()
    {
        "on-site-before-dispatch", "accept-before-dispatch", "acknowledge-twice", "dispatch-after-on-site",
        "resolve-twice", "guard-resolves-before-on-site", "dispatch-without-guard", "resolve-without-note",
    };

    [Theory]
    [MemberData(nameof(InvalidMoves))]
    public void AnInvalidTransitionIsAConflict(string move)
    {
        var alert = NewAlert();
        Action act = move switch
        {
            "on-site-before-dispatch" => () => alert.OnSite(Guard, T0),
            "accept-before-dispatch" => () => alert.Accept(Guard, T0),
            "acknowledge-twice" => () => { alert.Acknowledge(Operator, T0); alert.Acknowledge(Operator, T0); },
            "dispatch-after-on-site" => () => { alert.Dispatch(Operator, "gita", T0); alert.OnSite(Guard, T0); alert.Dispatch(Operator, "gita", T0); },
            "resolve-twice" => () => { alert.Resolve(Operator, AlertOutcome.Confirmed, "ok", T0); alert.Resolve(Operator, AlertOutcome.Confirmed, "ok", T0); },
            "guard-resolves-before-on-site" => () => { alert.Dispatch(Operator, "gita", T0); alert.Resolve(Guard, AlertOutcome.Confirmed, "ok", T0); },
            "dispatch-without-guard" => () => alert.Dispatch(Operator, " ", T0),
            "resolve-without-note" => () => alert.Resolve(Operator, AlertOutcome.Confirmed, "", T0),
            _ => throw new ArgumentOutOfRangeException(nameof(move)),
        };

        Assert.Throws<AlertConflictException>(act);
    }

    public static TheoryData<string, string, bool> RoleMatrix()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (var (who, acknowledge, dispatch, onSite, resolve) in new[]
        {
            ("operator", true, true, false, true),
            ("admin", true, true, false, true),
            ("guard", false, false, true, true),
            ("other-guard", false, false, false, false),
            ("guard-elsewhere", false, false, false, false),
            ("staff", false, false, false, false),
        })
        {
            data.Add(who, "acknowledge", acknowledge);
            data.Add(who, "dispatch", dispatch);
            data.Add(who, "on-site", onSite);
            data.Add(who, "resolve", resolve);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RoleMatrix))]
    public void EveryActionChecksRoleAndArea(string who, string action, bool allowed)
    {
        var actor = who switch
        {
            "operator" => Operator,
            "admin" => Admin,
            "guard" => Guard,
            "other-guard" => OtherGuard,
            "guard-elsewhere" => GuardElsewhere,
            _ => Staff,
        };
        var alert = NewAlert();
        if (action is "on-site" or "resolve" && actor.Role == Role.Guard)
        {
            // A guard acts on an alert dispatched to gita; for resolve, gita is already on site.
            alert.Dispatch(Operator, "gita", T0);
            if (action == "resolve" && actor == Guard)
            {
                alert.OnSite(Guard, T0);
            }
        }

        Action act = action switch
        {
            "acknowledge" => () => alert.Acknowledge(actor, T0),
            "dispatch" => () => alert.Dispatch(actor, "gita", T0),
            "on-site" => () => alert.OnSite(actor, T0),
            _ => () => alert.Resolve(actor, AlertOutcome.Confirmed, "klart", T0),
        };

        if (allowed)
        {
            act();
        }
        else
        {
            Assert.Throws<AlertForbiddenException>(act);
        }
    }

    [Fact]
    public void AnEditedDeletedOrInsertedAuditEntryIsDetected()
    {
        var alert = NewAlert();
        alert.Acknowledge(Operator, T0.AddSeconds(5));
        alert.Dispatch(Operator, "gita", T0.AddSeconds(9));
        alert.Resolve(Operator, AlertOutcome.Confirmed, "Polis på plats", T0.AddMinutes(5));
        var audit = alert.Audit.ToList();

        var edited = audit.ToList();
        edited[2] = edited[2] with { Actor = "someone-else" };
        Assert.Equal(2, AlertLifecycle.FindTampering(edited));

        var deleted = audit.ToList();
        deleted.RemoveAt(1);
        Assert.Equal(1, AlertLifecycle.FindTampering(deleted));

        var rehashed = audit.ToList();
        rehashed[1] = rehashed[1] with { Why = "changed", Hash = "0" };
        Assert.Equal(1, AlertLifecycle.FindTampering(rehashed));

        Assert.Equal(-1, AlertLifecycle.FindTampering(audit));
    }
}
