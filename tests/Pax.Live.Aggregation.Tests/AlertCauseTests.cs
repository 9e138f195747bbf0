using Pax.Live.Contracts;
using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

public sealed class AlertCauseTests
{
    private static readonly PlaceRules Rules = PlaceRules.Default;
    private static readonly long Hold = Ms(Rules.CauseHold);

    [Fact]
    public void ImpulseRaisesAlertAtOnce()
    {
        var place = CalmPlace(Rules, T0);

        var outcome = place.Record(SignalKind.Impulse, 1, At(1), At(1));
        var changed = place.Evaluate(At(1));

        Assert.Equal(CauseOutcome.Raised, outcome);
        Assert.True(changed);
        Assert.Equal(Level.Alert, place.Level);
        Assert.Equal(At(1), place.LevelSince);
        var cause = place.Cause(SignalKind.Impulse);
        Assert.Equal(SignalKind.Impulse, cause.Kind);
        Assert.True(cause.IsOpen);
        Assert.Equal(1, cause.Count);
        Assert.Equal(3, cause.Severity);
        Assert.Equal(At(1), cause.OpenedAt);
        Assert.Equal(At(1), cause.LastSeen);
        Assert.Equal(1, cause.Value);
        Assert.Equal(1, cause.Sequence);
    }

    [Fact]
    public void ImpulseOnAPlaceNeverHeardFromRaisesAlertAtOnce()
    {
        var place = new PlaceAggregator(Rules, T0);

        Assert.Equal(CauseOutcome.Raised, place.Record(SignalKind.Impulse, 1, T0, T0));
        Assert.True(place.Evaluate(T0));
        Assert.Equal(Level.Alert, place.Level);
    }

    [Fact]
    public void ImpulseZeroRaisesNothing()
    {
        var place = CalmPlace(Rules, T0);

        Assert.Equal(CauseOutcome.None, place.Record(SignalKind.Impulse, 0, At(1), At(1)));
        Assert.False(place.Evaluate(At(1)));
        Assert.Equal(Level.Calm, place.Level);
        Assert.False(place.Cause(SignalKind.Impulse).IsOpen);
    }

    [Fact]
    public void SecondImpulseWithinHoldIsRepeated()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Impulse, 1, At(10), At(10));
        place.Evaluate(At(10));

        var outcome = place.Record(SignalKind.Impulse, 1, At(70), At(70));
        var changed = place.Evaluate(At(70));

        Assert.Equal(CauseOutcome.Repeated, outcome);
        Assert.False(changed);
        Assert.Equal(Level.Alert, place.Level);
        Assert.Equal(At(10), place.LevelSince);
        var cause = place.Cause(SignalKind.Impulse);
        Assert.True(cause.IsOpen);
        Assert.Equal(2, cause.Count);
        Assert.Equal(At(10), cause.OpenedAt);
        Assert.Equal(At(70), cause.LastSeen);
        Assert.Equal(1, cause.Sequence);
        foreach (var kind in SignalKinds.All)
        {
            Assert.Equal(kind == SignalKind.Impulse, place.Cause(kind).IsOpen);
        }
    }

    [Fact]
    public void ImpulseJustInsideTheHoldIsRepeated()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Impulse, 1, T0, T0);

        Assert.Equal(CauseOutcome.Repeated, place.Record(SignalKind.Impulse, 1, T0 + Hold - 1, T0 + Hold - 1));
        Assert.Equal(2, place.Cause(SignalKind.Impulse).Count);
    }

    [Fact]
    public void ImpulseCauseClosesAfterHoldWithoutImpulses()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Impulse, 1, T0, T0);
        place.Evaluate(T0);

        Heartbeats(place, T0, T0 + Hold - 1);
        Assert.False(place.Evaluate(T0 + Hold - 1));
        Assert.True(place.Cause(SignalKind.Impulse).IsOpen);
        Assert.Equal(Level.Alert, place.Level);

        Heartbeat(place, T0 + Hold);
        Assert.True(place.Evaluate(T0 + Hold));
        Assert.False(place.Cause(SignalKind.Impulse).IsOpen);
        Assert.Equal(Level.Calm, place.Level);
        Assert.Equal(T0 + Hold, place.LevelSince);
    }

    [Fact]
    public void ImpulseAfterTheCauseClosedIsRaisedAgain()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Impulse, 1, T0, T0);
        place.Evaluate(T0);
        Heartbeats(place, T0, T0 + Hold);
        place.Evaluate(T0 + Hold);
        Assert.Equal(Level.Calm, place.Level);

        var outcome = place.Record(SignalKind.Impulse, 1, T0 + Hold + 5000, T0 + Hold + 5000);
        place.Evaluate(T0 + Hold + 5000);

        Assert.Equal(CauseOutcome.Raised, outcome);
        Assert.Equal(Level.Alert, place.Level);
        var cause = place.Cause(SignalKind.Impulse);
        Assert.True(cause.IsOpen);
        Assert.Equal(1, cause.Count);
        Assert.Equal(T0 + Hold + 5000, cause.OpenedAt);
        Assert.Equal(2, cause.Sequence);
    }

    [Fact]
    public void ImpulseAfterTheHoldIsRaisedAgainEvenWithoutAnEvaluateBetween()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Impulse, 1, T0, T0);

        var outcome = place.Record(SignalKind.Impulse, 1, T0 + Hold, T0 + Hold);

        Assert.Equal(CauseOutcome.Raised, outcome);
        Assert.Equal(1, place.Cause(SignalKind.Impulse).Count);
        Assert.Equal(T0 + Hold, place.Cause(SignalKind.Impulse).OpenedAt);
        Assert.Equal(2, place.Cause(SignalKind.Impulse).Sequence);
    }

    [Fact]
    public void AlertStepsDownOnlyAfterMinLevelDuration()
    {
        // A minimum level duration longer than the hold, so the step-down waits for it after the cause has closed.
        var rules = Rules with { MinLevelDuration = TimeSpan.FromMinutes(5) };
        var minimum = Ms(rules.MinLevelDuration);
        var place = CalmPlace(rules, T0);
        place.Record(SignalKind.Impulse, 1, T0, T0);
        place.Evaluate(T0);

        Heartbeats(place, T0, T0 + Hold);
        Assert.False(place.Evaluate(T0 + Hold));
        Assert.False(place.Cause(SignalKind.Impulse).IsOpen);
        Assert.Equal(Level.Alert, place.Level);

        Heartbeats(place, T0 + Hold, T0 + minimum - 1);
        Assert.False(place.Evaluate(T0 + minimum - 1));
        Assert.Equal(Level.Alert, place.Level);

        Heartbeat(place, T0 + minimum);
        Assert.True(place.Evaluate(T0 + minimum));
        Assert.Equal(Level.Calm, place.Level);
        Assert.Equal(T0 + minimum, place.LevelSince);
    }

    [Fact]
    public void LevelRisesAtOnceEvenRightAfterAChange()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Tamper, 1, At(1), At(1));
        Assert.True(place.Evaluate(At(1)));
        Assert.Equal(Level.Elevated, place.Level);

        place.Record(SignalKind.Impulse, 1, At(2), At(2));
        Assert.True(place.Evaluate(At(2)));
        Assert.Equal(Level.Alert, place.Level);
    }

    [Fact]
    public void FireAtTheAlertLevelRaises()
    {
        var place = CalmPlace(Rules, T0);

        var outcome = place.Record(SignalKind.Fire, 0.8, At(1), At(1));
        place.Evaluate(At(1));

        Assert.Equal(CauseOutcome.Raised, outcome);
        Assert.Equal(Level.Alert, place.Level);
        var cause = place.Cause(SignalKind.Fire);
        Assert.True(cause.IsOpen);
        Assert.Equal(0.8, cause.Value);
        Assert.Equal(2, cause.Severity);
    }

    [Fact]
    public void FireJustBelowTheAlertLevelDoesNotRaise()
    {
        var place = CalmPlace(Rules, T0);

        var outcome = place.Record(SignalKind.Fire, 0.79, At(1), At(1));
        var changed = place.Evaluate(At(1));

        Assert.Equal(CauseOutcome.None, outcome);
        Assert.False(changed);
        Assert.Equal(Level.Calm, place.Level);
        Assert.False(place.Cause(SignalKind.Fire).IsOpen);
    }

    [Fact]
    public void FireStaysOpenPastTheHoldWhileFreshReadingsStayAboveTheClearLevel()
    {
        var place = CalmPlace(Rules, T0);
        Assert.Equal(CauseOutcome.Raised, place.Record(SignalKind.Fire, 0.8, T0, T0));
        place.Evaluate(T0);

        // 0.7 is under the alert level (not a new occurrence) but over 0.8 × 0.8 = 0.64: the fire still burns.
        Assert.True(0.7 >= Rules.FireAlertAt * Rules.ClearRatio);
        for (var s = 30; s <= 300; s += 30)
        {
            Assert.Equal(CauseOutcome.None, place.Record(SignalKind.Fire, 0.7, At(s), At(s)));
            Assert.False(place.Evaluate(At(s)));
            Assert.True(place.Cause(SignalKind.Fire).IsOpen);
            Assert.Equal(Level.Alert, place.Level);
        }

        var cause = place.Cause(SignalKind.Fire);
        Assert.Equal(1, cause.Count);
        Assert.Equal(T0, cause.LastSeen);
    }

    [Fact]
    public void FireClosesPastTheHoldWhenReadingsDropBelowTheClearLevel()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Fire, 0.8, T0, T0);
        place.Evaluate(T0);
        for (var s = 30; s <= 180; s += 30)
        {
            place.Record(SignalKind.Fire, 0.7, At(s), At(s));
            place.Evaluate(At(s));
        }

        Assert.True(place.Cause(SignalKind.Fire).IsOpen);

        Assert.Equal(CauseOutcome.None, place.Record(SignalKind.Fire, 0.5, At(190), At(190)));
        Assert.True(place.Evaluate(At(190)));
        Assert.False(place.Cause(SignalKind.Fire).IsOpen);
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void FireClosesPastTheHoldWhenFireReadingsGoStale()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Fire, 0.8, T0, T0);
        place.Evaluate(T0);
        place.Record(SignalKind.Fire, 0.7, At(60), At(60));
        Heartbeats(place, At(60), At(60) + Ms(Rules.UnknownAfter) - 1);
        Assert.False(place.Evaluate(At(60) + Ms(Rules.UnknownAfter) - 1));
        Assert.True(place.Cause(SignalKind.Fire).IsOpen);
        Assert.Equal(Level.Alert, place.Level);

        Heartbeat(place, At(60) + Ms(Rules.UnknownAfter));
        Assert.True(place.Evaluate(At(60) + Ms(Rules.UnknownAfter)));

        Assert.False(place.Cause(SignalKind.Fire).IsOpen);
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void FireAboveTheAlertLevelWhileOpenIsRepeated()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Fire, 0.8, T0, T0);

        Assert.Equal(CauseOutcome.Repeated, place.Record(SignalKind.Fire, 0.95, At(20), At(20)));
        var cause = place.Cause(SignalKind.Fire);
        Assert.Equal(2, cause.Count);
        Assert.Equal(At(20), cause.LastSeen);
        Assert.Equal(0.8, cause.Value);

        // A surer reading of the same fire raises the open alert's severity: 0.8 is a candidate, 0.95 is not.
        Assert.Equal(3, cause.Severity);
    }

    [Fact]
    public void SeverityThreeReportRaisesAlert()
    {
        var place = CalmPlace(Rules, T0);

        var outcome = place.Record(SignalKind.Report, 3, At(1), At(1));
        place.Evaluate(At(1));

        Assert.Equal(CauseOutcome.Raised, outcome);
        Assert.Equal(Level.Alert, place.Level);
        var cause = place.Cause(SignalKind.Report);
        Assert.True(cause.IsOpen);
        Assert.Equal(3, cause.Severity);
        Assert.Equal(3, cause.Value);
    }

    [Fact]
    public void SeverityTwoReportElevatesWithoutAlert()
    {
        var place = CalmPlace(Rules, T0);

        var outcome = place.Record(SignalKind.Report, 2, At(1), At(1));
        var changed = place.Evaluate(At(1));

        Assert.Equal(CauseOutcome.None, outcome);
        Assert.True(changed);
        Assert.Equal(Level.Elevated, place.Level);
        Assert.False(place.Cause(SignalKind.Report).IsOpen);
    }

    [Fact]
    public void SeverityTwoReportElevatesForTheHold()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Report, 2, T0, T0);
        place.Evaluate(T0);

        Heartbeats(place, T0, T0 + Hold - 1);
        Assert.False(place.Evaluate(T0 + Hold - 1));
        Assert.Equal(Level.Elevated, place.Level);

        Heartbeat(place, T0 + Hold);
        Assert.True(place.Evaluate(T0 + Hold));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void SeverityOneReportDoesNothing()
    {
        var place = CalmPlace(Rules, T0);

        var outcome = place.Record(SignalKind.Report, 1, At(1), At(1));
        var changed = place.Evaluate(At(1));

        Assert.Equal(CauseOutcome.None, outcome);
        Assert.False(changed);
        Assert.Equal(Level.Calm, place.Level);
        Assert.False(place.Cause(SignalKind.Report).IsOpen);
    }

    [Theory]
    [InlineData(SignalKind.Motion, 1.0)]
    [InlineData(SignalKind.People, 100_000.0)]
    [InlineData(SignalKind.Loiter, 86_400.0)]
    [InlineData(SignalKind.Sound, 194.0)]
    [InlineData(SignalKind.Tamper, 1.0)]
    [InlineData(SignalKind.Fire, 0.79)]
    [InlineData(SignalKind.Report, 2.0)]
    public void ReadingThatIsNotAlertGradeOpensNoCause(SignalKind kind, double value)
    {
        var place = CalmPlace(Rules, T0);

        Assert.Equal(CauseOutcome.None, place.Record(kind, value, At(1), At(1)));
        place.Evaluate(At(1));

        Assert.NotEqual(Level.Alert, place.Level);
        foreach (var k in SignalKinds.All)
        {
            Assert.False(place.Cause(k).IsOpen);
        }
    }

    [Fact]
    public void EachRaisedCauseGetsTheNextSequenceNumber()
    {
        var place = CalmPlace(Rules, T0);

        place.Record(SignalKind.Impulse, 1, At(1), At(1));
        place.Record(SignalKind.Fire, 0.9, At(2), At(2));
        place.Record(SignalKind.Report, 3, At(3), At(3));

        Assert.Equal(1, place.Cause(SignalKind.Impulse).Sequence);
        Assert.Equal(2, place.Cause(SignalKind.Fire).Sequence);
        Assert.Equal(3, place.Cause(SignalKind.Report).Sequence);
    }
}
