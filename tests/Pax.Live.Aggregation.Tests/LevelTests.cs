using Pax.Live.Contracts;
using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

public sealed class LevelTests
{
    private static readonly PlaceRules Rules = PlaceRules.Default;
    private static readonly PlaceRules MotionRules = PlaceRules.Default with { MotionThreshold = 0.5 };
    private static readonly long Dwell = Ms(Rules.Dwell);
    private static readonly long UnknownAfter = Ms(Rules.UnknownAfter);
    private static readonly long MinLevel = Ms(Rules.MinLevelDuration);

    [Fact]
    public void NewPlaceIsUnknown()
    {
        var place = new PlaceAggregator(Rules, T0);

        Assert.Equal(Level.Unknown, place.Level);
        Assert.Equal(T0, place.LevelSince);
        Assert.Equal(0, place.LastHeardAt);
        Assert.Same(Rules, place.Rules);
        Assert.False(place.Evaluate(T0));
        Assert.False(place.Evaluate(At(600)));
        Assert.Equal(Level.Unknown, place.Level);
        Assert.Equal(T0, place.LevelSince);
    }

    [Fact]
    public void FirstReadingMakesPlaceCalmAfterEvaluate()
    {
        var place = new PlaceAggregator(Rules, T0);

        place.Record(SignalKind.Motion, 0.2, At(5), At(5));
        Assert.Equal(Level.Unknown, place.Level);
        Assert.Equal(At(5), place.LastHeardAt);

        Assert.True(place.Evaluate(At(5)));
        Assert.Equal(Level.Calm, place.Level);
        Assert.Equal(At(5), place.LevelSince);
    }

    [Fact]
    public void TamperElevates()
    {
        var place = CalmPlace(Rules, T0);

        Assert.Equal(CauseOutcome.None, place.Record(SignalKind.Tamper, 1, At(1), At(1)));
        Assert.True(place.Evaluate(At(1)));

        Assert.Equal(Level.Elevated, place.Level);
        Assert.Equal(At(1), place.LevelSince);
    }

    [Fact]
    public void TamperClearedStepsDownOnlyAfterMinLevelDuration()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Tamper, 1, At(1), At(1));
        place.Evaluate(At(1));

        place.Record(SignalKind.Tamper, 0, At(6), At(6));
        Assert.False(place.Evaluate(At(6)));
        Assert.Equal(Level.Elevated, place.Level);
        Assert.False(place.Evaluate(At(1) + MinLevel - 1));
        Assert.Equal(Level.Elevated, place.Level);

        Assert.True(place.Evaluate(At(1) + MinLevel));
        Assert.Equal(Level.Calm, place.Level);
        Assert.Equal(At(1) + MinLevel, place.LevelSince);
    }

    [Fact]
    public void TamperClearedLongAfterItWasSetStepsDownAtOnce()
    {
        var place = CalmPlace(Rules, T0);
        place.Record(SignalKind.Tamper, 1, At(1), At(1));
        place.Evaluate(At(1));
        place.Record(SignalKind.Tamper, 1, At(40), At(40));
        place.Evaluate(At(40));

        place.Record(SignalKind.Tamper, 0, At(60), At(60));

        Assert.True(place.Evaluate(At(60)));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void SilenceForUnknownAfterMakesPlaceUnknown()
    {
        var place = CalmPlace(Rules, T0);

        Assert.False(place.Evaluate(T0 + UnknownAfter - 1));
        Assert.Equal(Level.Calm, place.Level);

        Assert.True(place.Evaluate(T0 + UnknownAfter));
        Assert.Equal(Level.Unknown, place.Level);
        Assert.Equal(T0 + UnknownAfter, place.LevelSince);
    }

    [Fact]
    public void ReadingAfterSilenceBringsPlaceBackAtOnce()
    {
        var place = CalmPlace(Rules, T0);
        place.Evaluate(T0 + UnknownAfter);
        Assert.Equal(Level.Unknown, place.Level);

        place.Record(SignalKind.People, 3, At(600), At(600));

        Assert.True(place.Evaluate(At(600)));
        Assert.Equal(Level.Calm, place.Level);
        Assert.Equal(At(600), place.LevelSince);
    }

    [Fact]
    public void ElevatingReadingAfterSilenceBringsPlaceBackElevatedAtOnce()
    {
        var place = CalmPlace(Rules, T0);
        place.Evaluate(T0 + UnknownAfter);

        place.Record(SignalKind.Tamper, 1, At(600), At(600));

        Assert.True(place.Evaluate(At(600)));
        Assert.Equal(Level.Elevated, place.Level);
    }

    [Theory]
    [InlineData(SignalKind.Motion, 0.5, 0.6)]
    [InlineData(SignalKind.People, 10.0, 12.0)]
    [InlineData(SignalKind.Loiter, 60.0, 90.0)]
    [InlineData(SignalKind.Sound, 80.0, 95.0)]
    public void PeriodicKindOverThresholdElevatesOnlyAfterDwell(SignalKind kind, double threshold, double over)
    {
        var place = new PlaceAggregator(Rules.WithThreshold(kind, threshold), T0);
        place.Record(kind, over, T0, T0);
        Assert.True(place.Evaluate(T0));
        Assert.Equal(Level.Calm, place.Level);

        for (var s = 5; s < 30; s += 5)
        {
            place.Record(kind, over, At(s), At(s));
            Assert.False(place.Evaluate(At(s)));
        }

        place.Record(kind, over, T0 + Dwell - 1, T0 + Dwell - 1);
        Assert.False(place.Evaluate(T0 + Dwell - 1));
        Assert.Equal(Level.Calm, place.Level);

        Assert.True(place.Evaluate(T0 + Dwell));
        Assert.Equal(Level.Elevated, place.Level);
    }

    [Fact]
    public void ValueBetweenClearLevelAndThresholdKeepsTheDwellRunning()
    {
        // Threshold 0.5, clear level 0.5 × 0.8 = 0.4.
        var place = new PlaceAggregator(MotionRules, T0);
        place.Record(SignalKind.Motion, 0.6, T0, T0);
        place.Evaluate(T0);

        place.Record(SignalKind.Motion, 0.45, At(10), At(10));
        place.Record(SignalKind.Motion, 0.45, At(20), At(20));
        Assert.False(place.Evaluate(At(20)));
        place.Record(SignalKind.Motion, 0.45, At(30), At(30));

        Assert.True(place.Evaluate(At(30)));
        Assert.Equal(Level.Elevated, place.Level);
    }

    [Fact]
    public void ValueBetweenClearLevelAndThresholdKeepsThePlaceElevated()
    {
        var place = new PlaceAggregator(MotionRules, T0);
        for (var s = 0; s <= 30; s += 10)
        {
            place.Record(SignalKind.Motion, 0.6, At(s), At(s));
            place.Evaluate(At(s));
        }

        Assert.Equal(Level.Elevated, place.Level);

        for (var s = 40; s <= 100; s += 10)
        {
            place.Record(SignalKind.Motion, 0.45, At(s), At(s));
            Assert.False(place.Evaluate(At(s)));
            Assert.Equal(Level.Elevated, place.Level);
        }

        place.Record(SignalKind.Motion, 0.3, At(110), At(110));
        Assert.True(place.Evaluate(At(110)));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void ValueUnderClearLevelResetsTheDwell()
    {
        var place = new PlaceAggregator(MotionRules, T0);
        place.Record(SignalKind.Motion, 0.6, T0, T0);
        place.Evaluate(T0);
        place.Record(SignalKind.Motion, 0.3, At(10), At(10));
        place.Record(SignalKind.Motion, 0.6, At(20), At(20));

        Assert.False(place.Evaluate(At(30)));
        Assert.Equal(Level.Calm, place.Level);

        place.Record(SignalKind.Motion, 0.6, At(45), At(45));
        Assert.False(place.Evaluate(At(20) + Dwell - 1));
        Assert.Equal(Level.Calm, place.Level);

        Assert.True(place.Evaluate(At(20) + Dwell));
        Assert.Equal(Level.Elevated, place.Level);
    }

    [Fact]
    public void ValueEqualToTheThresholdIsNotOverIt()
    {
        var place = new PlaceAggregator(MotionRules, T0);
        for (var s = 0; s <= 120; s += 10)
        {
            place.Record(SignalKind.Motion, 0.5, At(s), At(s));
            place.Evaluate(At(s));
            Assert.Equal(Level.Calm, place.Level);
        }
    }

    [Fact]
    public void OverThresholdReadingThatGoesStaleNoLongerElevates()
    {
        var place = new PlaceAggregator(MotionRules, T0);
        for (var s = 0; s <= 30; s += 10)
        {
            place.Record(SignalKind.Motion, 0.6, At(s), At(s));
            place.Evaluate(At(s));
        }

        Assert.Equal(Level.Elevated, place.Level);

        // Another device keeps the place heard from; the motion reading itself is two minutes old.
        for (var s = 40; s < 150; s += 10)
        {
            place.Record(SignalKind.People, 1, At(s), At(s));
        }

        place.Record(SignalKind.People, 1, At(30) + UnknownAfter, At(30) + UnknownAfter);
        Assert.True(place.Evaluate(At(30) + UnknownAfter));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void NoThresholdsNeverElevateOnPeriodicKinds()
    {
        var place = new PlaceAggregator(Rules, T0);

        for (var s = 0; s <= 300; s += 5)
        {
            place.Record(SignalKind.Motion, 1, At(s), At(s));
            place.Record(SignalKind.People, SignalKinds.MaxPeople, At(s), At(s));
            place.Record(SignalKind.Loiter, SignalKinds.MaxLoiterSeconds, At(s), At(s));
            place.Record(SignalKind.Sound, SignalKinds.MaxSoundDba, At(s), At(s));
            place.Evaluate(At(s));
            Assert.Equal(Level.Calm, place.Level);
        }
    }

    [Fact]
    public void ThresholdOfOneKindDoesNotApplyToAnother()
    {
        var place = new PlaceAggregator(MotionRules, T0);

        for (var s = 0; s <= 120; s += 5)
        {
            place.Record(SignalKind.Motion, 0.1, At(s), At(s));
            place.Record(SignalKind.Sound, 120, At(s), At(s));
            place.Evaluate(At(s));
            Assert.Equal(Level.Calm, place.Level);
        }
    }

    [Fact]
    public void UseRulesReplacesTheRules()
    {
        var place = new PlaceAggregator(Rules, T0);

        place.UseRules(MotionRules);

        Assert.Same(MotionRules, place.Rules);
    }

    [Fact]
    public void UseRulesWithShorterUnknownAfterTakesEffectAtNextEvaluate()
    {
        var place = CalmPlace(Rules, T0);

        place.UseRules(Rules with { UnknownAfter = TimeSpan.FromSeconds(10) });
        Assert.Equal(Level.Calm, place.Level);

        Assert.True(place.Evaluate(At(10)));
        Assert.Equal(Level.Unknown, place.Level);
    }

    [Fact]
    public void UseRulesWithNewThresholdAppliesToTheReadingsThatFollow()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.Motion, 0.6, T0, T0);
        place.Evaluate(T0);

        place.UseRules(MotionRules);
        for (var s = 10; s <= 40; s += 10)
        {
            place.Record(SignalKind.Motion, 0.6, At(s), At(s));
            place.Evaluate(At(s));
        }

        Assert.Equal(Level.Elevated, place.Level);
    }

    [Fact]
    public void UseRulesAddingAThresholdTakesEffectAtNextEvaluate()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.Motion, 0.6, T0, T0);
        place.Evaluate(T0);
        Assert.Equal(Level.Calm, place.Level);

        // No dwell: the latest reading, 0.6, is over the new threshold and should count at once.
        place.UseRules(MotionRules with { Dwell = TimeSpan.Zero });

        Assert.True(place.Evaluate(At(1)));
        Assert.Equal(Level.Elevated, place.Level);
    }

    [Fact]
    public void UseRulesRemovingTheThresholdTakesEffectAtNextEvaluate()
    {
        var rules = MotionRules with { MinLevelDuration = TimeSpan.Zero };
        var place = ElevatedOnMotion(rules);

        place.UseRules(rules with { MotionThreshold = null });

        Assert.True(place.Evaluate(At(31)));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void UseRulesRaisingTheThresholdAboveTheLatestReadingTakesEffectAtNextEvaluate()
    {
        var rules = MotionRules with { MinLevelDuration = TimeSpan.Zero };
        var place = ElevatedOnMotion(rules);

        // 0.6 is under the new clear level 0.9 × 0.8 = 0.72: motion is clear under the new rules.
        place.UseRules(rules with { MotionThreshold = 0.9 });

        Assert.True(place.Evaluate(At(31)));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void PlaceDoesNotStayElevatedOnAKindWhoseThresholdWasRemoved()
    {
        var place = ElevatedOnMotion(MotionRules);

        place.UseRules(Rules);
        for (var s = 40; s <= 120; s += 10)
        {
            place.Record(SignalKind.Motion, 0.6, At(s), At(s));
            place.Evaluate(At(s));
        }

        Assert.Equal(Level.Calm, place.Level);
    }

    /// <summary>A place elevated at <c>At(30)</c> by motion 0.6 over a 0.5 threshold, read every 10 s since T0.</summary>
    private static PlaceAggregator ElevatedOnMotion(PlaceRules rules)
    {
        var place = new PlaceAggregator(rules, T0);
        for (var s = 0; s <= 30; s += 10)
        {
            place.Record(SignalKind.Motion, 0.6, At(s), At(s));
            place.Evaluate(At(s));
        }

        Assert.Equal(Level.Elevated, place.Level);
        Assert.Equal(At(30), place.LevelSince);
        return place;
    }
}
