using Pax.Live.Contracts;
using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

public sealed class EwmaTests
{
    [Fact]
    public void KindWithoutReadingsHasNoAverage() => Assert.True(double.IsNaN(new PlaceAggregator(PlaceRules.Default, T0).Ewma(SignalKind.People)));

    [Fact]
    public void FirstReadingIsTheAverage()
    {
        var place = new PlaceAggregator(PlaceRules.Default, T0);

        place.Record(SignalKind.People, 12, T0, T0);

        Assert.Equal(12, place.Ewma(SignalKind.People));
    }

    [Fact]
    public void EachReadingMovesTheAverageByAlpha()
    {
        var place = new PlaceAggregator(PlaceRules.Default with { EwmaAlpha = 0.25 }, T0);

        place.Record(SignalKind.Sound, 40, At(1), At(1));
        place.Record(SignalKind.Sound, 80, At(2), At(2));
        place.Record(SignalKind.Sound, 80, At(3), At(3));

        // 40 → 40 + 0.25·40 = 50 → 50 + 0.25·30 = 57.5
        Assert.Equal(57.5, place.Ewma(SignalKind.Sound), 12);
    }

    [Fact]
    public void LateReadingDoesNotMoveTheAverage()
    {
        var place = new PlaceAggregator(PlaceRules.Default with { EwmaAlpha = 0.5 }, T0);

        place.Record(SignalKind.Motion, 0.2, At(10), At(10));
        place.Record(SignalKind.Motion, 1.0, At(5), At(11));

        Assert.Equal(0.2, place.Ewma(SignalKind.Motion));
    }

    [Fact]
    public void KindsHaveTheirOwnAverages()
    {
        var place = new PlaceAggregator(PlaceRules.Default, T0);

        place.Record(SignalKind.People, 5, T0, T0);
        place.Record(SignalKind.Sound, 60, T0, T0);

        Assert.Equal(5, place.Ewma(SignalKind.People));
        Assert.Equal(60, place.Ewma(SignalKind.Sound));
    }
}
