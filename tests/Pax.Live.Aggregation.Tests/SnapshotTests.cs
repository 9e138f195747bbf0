using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Tests;

public sealed class SnapshotTests
{
    private const long T0 = 1_764_161_000_000;

    private static readonly PlaceRules Rules = PlaceRules.Default with { PeopleThreshold = 10, Dwell = TimeSpan.Zero };

    [Fact]
    public void ARestoredPlaceIsTheSamePlace()
    {
        var place = new PlaceAggregator(Rules, T0);

        // Three hours of people counts, so the baseline of this hour of the week has learned something.
        for (var t = T0 - (3 * 3_600_000L); t < T0; t += 60_000)
        {
            place.Record(SignalKind.People, 5 + (t / 60_000 % 3), t, t);
        }

        place.Record(SignalKind.People, 20, T0, T0);
        place.Record(SignalKind.Motion, 0.4, T0 + 1000, T0 + 1000);
        place.Record(SignalKind.Impulse, 1, T0 + 2000, T0 + 2000);
        place.Record(SignalKind.Impulse, 1, T0 + 3000, T0 + 3000);
        place.Evaluate(T0 + 3000);

        var restored = PlaceAggregator.FromSnapshot(place.ToSnapshot(), Rules, T0 + 4000);

        Assert.Equal(place.Level, restored.Level);
        Assert.Equal(Level.Alert, restored.Level);
        Assert.Equal(place.LevelSince, restored.LevelSince);
        Assert.Equal(place.LastHeardAt, restored.LastHeardAt);
        foreach (var kind in SignalKinds.All)
        {
            Assert.Equal(place.Latest(kind), restored.Latest(kind));
            Assert.Equal(place.Window(kind, T0 + 4000), restored.Window(kind, T0 + 4000));
            Assert.Equal(place.Ewma(kind), restored.Ewma(kind));
            Assert.Equal(place.Baseline(kind, T0), restored.Baseline(kind, T0));
        }

        var learned = place.Baseline(SignalKind.People, T0 - 7_200_000);
        Assert.True(learned.Count > 0, "the baseline should have learned from the earlier hours");
        Assert.Equal(learned, restored.Baseline(SignalKind.People, T0 - 7_200_000));

        var cause = restored.Cause(SignalKind.Impulse);
        Assert.True(cause.IsOpen);
        Assert.Equal(2, cause.Count);
        Assert.Equal(place.Cause(SignalKind.Impulse).Sequence, cause.Sequence);

        // It goes on from there: a repeat extends the restored cause instead of raising a new alert.
        Assert.Equal(CauseOutcome.Repeated, restored.Record(SignalKind.Impulse, 1, T0 + 5000, T0 + 5000));
    }

    [Fact]
    public void AnUnknownSnapshotVersionIsRefused()
    {
        var snapshot = new PlaceAggregator(Rules, T0).ToSnapshot();
        snapshot[0] = 99;

        Assert.Throws<InvalidDataException>(() => PlaceAggregator.FromSnapshot(snapshot, Rules, T0));
    }

    [Fact]
    public void MinuteStatsCoverOnlyThatMinute()
    {
        var window = new SlidingWindow(60, TimeSpan.FromSeconds(5));
        var minute = T0 / 60_000 * 60_000;
        window.Add(1, minute - 1);
        window.Add(2, minute);
        window.Add(4, minute + 59_999);
        window.Add(8, minute + 60_000);

        var stats = window.Stats(minute, minute + 60_000);

        Assert.Equal(new WindowStats(2, 6, 2, 4), stats);
    }
}
