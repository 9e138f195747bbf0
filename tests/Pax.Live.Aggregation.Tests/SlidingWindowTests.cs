using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

public sealed class SlidingWindowTests
{
    // 60 buckets of 5 s: five minutes, as the place aggregator uses. T0 is on a bucket boundary.
    private static SlidingWindow NewWindow() => new(60, TimeSpan.FromSeconds(5));

    [Fact]
    public void WindowSpanIsBucketsTimesWidth() => Assert.Equal(TimeSpan.FromMinutes(5), NewWindow().Span);

    [Fact]
    public void EmptyWindowHasNoValues()
    {
        var stats = NewWindow().Stats(T0);

        Assert.Equal(default, stats);
        Assert.Equal(0, stats.Count);
        Assert.Equal(0, stats.Sum);
        Assert.True(double.IsNaN(stats.Mean));
    }

    [Fact]
    public void StatsCoverEveryValueInTheWindow()
    {
        var window = NewWindow();

        window.Add(1, T0);
        window.Add(3, T0 + 1_000);
        window.Add(4, At(10));
        window.Add(0.5, At(170));
        window.Add(6.5, At(299));

        var stats = window.Stats(At(299));
        Assert.Equal(new WindowStats(5, 15, 0.5, 6.5), stats);
        Assert.Equal(3, stats.Mean);
    }

    [Fact]
    public void NegativeValuesCountTowardsMinAndSum()
    {
        var window = NewWindow();

        window.Add(-2, T0);
        window.Add(-8, T0 + 10);

        Assert.Equal(new WindowStats(2, -10, -8, -2), window.Stats(T0 + 10));
    }

    [Fact]
    public void ValuesOlderThanTheWindowDropOut()
    {
        var window = NewWindow();
        window.Add(1, T0);
        window.Add(2, At(5));

        Assert.Equal(new WindowStats(2, 3, 1, 2), window.Stats(At(299) + 999));
        Assert.Equal(new WindowStats(1, 2, 2, 2), window.Stats(At(300)));
        Assert.Equal(new WindowStats(1, 2, 2, 2), window.Stats(At(304) + 999));
        Assert.Equal(default, window.Stats(At(305)));
    }

    [Fact]
    public void ValueNewerThanTheWindowsEndIsNotCounted()
    {
        var window = NewWindow();
        window.Add(1, T0);
        window.Add(9, At(10));

        Assert.Equal(new WindowStats(1, 1, 1, 1), window.Stats(At(9)));
    }

    [Fact]
    public void ValueOlderThanTheBucketItWouldOverwriteIsIgnored()
    {
        var window = NewWindow();
        window.Add(5, At(300));

        // T0 falls in the same ring slot as At(300), one lap earlier.
        window.Add(7, T0);

        Assert.Equal(new WindowStats(1, 5, 5, 5), window.Stats(At(300)));
        Assert.Equal(new WindowStats(1, 5, 5, 5), window.Stats(At(599)));
    }

    [Fact]
    public void ValueOlderThanTheWindowIsNotCounted()
    {
        var window = NewWindow();
        window.Add(5, At(600));

        window.Add(7, At(5));

        Assert.Equal(new WindowStats(1, 5, 5, 5), window.Stats(At(600)));
    }

    [Fact]
    public void NewLapOverwritesTheStaleBucket()
    {
        var window = NewWindow();
        window.Add(1, T0);

        window.Add(2, At(300));

        Assert.Equal(new WindowStats(1, 2, 2, 2), window.Stats(At(300)));
    }

    [Fact]
    public void LateValueInsideTheWindowIsCounted()
    {
        var window = NewWindow();
        window.Add(5, At(200));

        window.Add(7, At(50));

        Assert.Equal(new WindowStats(2, 12, 5, 7), window.Stats(At(200)));
    }

    [Fact]
    public void WindowNeedsABucketAndAPositiveWidth()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindow(0, TimeSpan.FromSeconds(5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SlidingWindow(60, TimeSpan.Zero));
    }
}
