using Pax.Live.Contracts;
using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

public sealed class ReadingTests
{
    private static readonly PlaceRules Rules = PlaceRules.Default;

    [Fact]
    public void KindNeverRecordedHasNoLatestValue()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.Motion, 0.25, T0, T0);

        var (value, at) = place.Latest(SignalKind.Sound);

        Assert.True(double.IsNaN(value));
        Assert.Equal(0, at);
        Assert.Equal(default, place.Window(SignalKind.Sound, T0));
    }

    [Fact]
    public void ReadingBecomesTheLatestValueAndEntersTheWindow()
    {
        var place = new PlaceAggregator(Rules, T0);

        place.Record(SignalKind.Sound, 62.5, At(3), At(4));
        place.Record(SignalKind.Sound, 70, At(8), At(9));

        Assert.Equal((70.0, At(8)), place.Latest(SignalKind.Sound));
        Assert.Equal(new WindowStats(2, 132.5, 62.5, 70), place.Window(SignalKind.Sound, At(9)));
        Assert.Equal(At(9), place.LastHeardAt);
    }

    [Fact]
    public void OldReadingDoesNotOverwriteTheLatestValueButGoesIntoTheWindow()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.Motion, 0.25, At(60), At(60));

        // Store-and-forward: measured 30 s before the latest, delivered after it.
        place.Record(SignalKind.Motion, 0.75, At(30), At(61));

        Assert.Equal((0.25, At(60)), place.Latest(SignalKind.Motion));
        Assert.Equal(new WindowStats(2, 1.0, 0.25, 0.75), place.Window(SignalKind.Motion, At(61)));
        Assert.Equal(At(61), place.LastHeardAt);
    }

    [Fact]
    public void OldReadingOverTheThresholdDoesNotStartTheDwell()
    {
        var place = new PlaceAggregator(Rules with { MotionThreshold = 0.5 }, T0);
        place.Record(SignalKind.Motion, 0.45, T0, T0);
        place.Evaluate(T0);

        place.Record(SignalKind.Motion, 0.75, T0 - 10_000, At(1));
        for (var s = 10; s <= 60; s += 10)
        {
            place.Record(SignalKind.Motion, 0.45, At(s), At(s));
            place.Evaluate(At(s));
            Assert.Equal(Level.Calm, place.Level);
        }

        Assert.Equal(3, place.Window(SignalKind.Motion, At(10)).Count);
    }

    [Fact]
    public void ReadingWithTheSameTimestampAsTheLatestReplacesIt()
    {
        var place = new PlaceAggregator(Rules, T0);

        place.Record(SignalKind.People, 4, At(10), At(10));
        place.Record(SignalKind.People, 5, At(10), At(11));

        Assert.Equal((5.0, At(10)), place.Latest(SignalKind.People));
    }

    [Fact]
    public void FutureDeviceTimestampIsClampedToNow()
    {
        var place = new PlaceAggregator(Rules, T0);

        place.Record(SignalKind.Motion, 0.25, T0 + 60_000, T0);

        Assert.Equal((0.25, T0), place.Latest(SignalKind.Motion));
        Assert.Equal(new WindowStats(1, 0.25, 0.25, 0.25), place.Window(SignalKind.Motion, T0));
    }

    [Fact]
    public void ClampedFutureReadingDoesNotHideTheNextRealOne()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.Motion, 0.25, T0 + 60_000, T0);

        place.Record(SignalKind.Motion, 0.75, At(30), At(30));

        Assert.Equal((0.75, At(30)), place.Latest(SignalKind.Motion));
    }

    [Fact]
    public void FutureImpulseOpensItsCauseAtNow()
    {
        var place = CalmPlace(Rules, T0);
        var hold = Ms(Rules.CauseHold);

        place.Record(SignalKind.Impulse, 1, T0 + 240_000, T0);

        var cause = place.Cause(SignalKind.Impulse);
        Assert.Equal(T0, cause.OpenedAt);
        Assert.Equal(T0, cause.LastSeen);
        Heartbeats(place, T0, T0 + hold);
        place.Evaluate(T0 + hold);
        Assert.False(place.Cause(SignalKind.Impulse).IsOpen);
    }

    [Fact]
    public void PlaceWindowCoversFiveMinutes()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.People, 2, T0, T0);
        place.Record(SignalKind.People, 6, At(200), At(200));

        Assert.Equal(new WindowStats(2, 8, 2, 6), place.Window(SignalKind.People, At(299)));
        Assert.Equal(new WindowStats(1, 6, 6, 6), place.Window(SignalKind.People, At(300)));
    }
}
