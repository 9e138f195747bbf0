namespace Pax.Live.Aggregation;

/// <summary>Count, sum, min and max over a span of time.</summary>
public readonly record struct WindowStats(int Count, double Sum, double Min, double Max)
{
    /// <summary>The mean, or NaN when the window is empty.</summary>
    public double Mean => Count == 0 ? double.NaN : Sum / Count;
}

/// <summary>
/// A time-bucketed sliding window: a ring of fixed-width buckets covering the last <c>buckets × width</c>.
/// Fixed memory, O(1) per value, no allocation after construction. Not thread-safe: one writer (the place's grain).
/// </summary>
public sealed partial class SlidingWindow
{
    private readonly Bucket[] _buckets;
    private readonly long _widthMs;

    /// <summary>Creates a window of <paramref name="buckets"/> buckets of <paramref name="width"/> each.</summary>
    public SlidingWindow(int buckets, TimeSpan width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, TimeSpan.FromMilliseconds(1));
        _buckets = new Bucket[buckets];
        _widthMs = (long)width.TotalMilliseconds;
    }

    /// <summary>The span the window covers.</summary>
    public TimeSpan Span => TimeSpan.FromMilliseconds(_widthMs * _buckets.Length);

    /// <summary>Adds <paramref name="value"/> at <paramref name="timestampMs"/>; a value older than the window is ignored.</summary>
    public void Add(double value, long timestampMs)
    {
        var slot = timestampMs / _widthMs;
        ref var bucket = ref _buckets[(int)(slot % _buckets.Length)];
        if (bucket.Slot != slot)
        {
            if (bucket.Slot > slot)
            {
                return;
            }

            bucket = new Bucket { Slot = slot, Min = value, Max = value };
        }

        bucket.Count++;
        bucket.Sum += value;
        bucket.Min = Math.Min(bucket.Min, value);
        bucket.Max = Math.Max(bucket.Max, value);
    }

    /// <summary>
    /// The statistics of the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>) and are still in
    /// the ring; exact when the range's ends fall on bucket boundaries (a minute of 5 s buckets, say).
    /// </summary>
    public WindowStats Stats(long fromMs, long toMs)
    {
        int count = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (ref readonly var bucket in _buckets.AsSpan())
        {
            var start = bucket.Slot * _widthMs;
            if (bucket.Count == 0 || start < fromMs || start >= toMs)
            {
                continue;
            }

            count += bucket.Count;
            sum += bucket.Sum;
            min = Math.Min(min, bucket.Min);
            max = Math.Max(max, bucket.Max);
        }

        return count == 0 ? default : new WindowStats(count, sum, min, max);
    }

    /// <summary>The statistics of every value in the window that ends at <paramref name="nowMs"/>.</summary>
    public WindowStats Stats(long nowMs)
    {
        var newest = nowMs / _widthMs;
        var oldest = newest - _buckets.Length + 1;
        int count = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (ref readonly var bucket in _buckets.AsSpan())
        {
            if (bucket.Count == 0 || bucket.Slot < oldest || bucket.Slot > newest)
            {
                continue;
            }

            count += bucket.Count;
            sum += bucket.Sum;
            min = Math.Min(min, bucket.Min);
            max = Math.Max(max, bucket.Max);
        }

        return count == 0 ? default : new WindowStats(count, sum, min, max);
    }

    private struct Bucket
    {
        public long Slot;
        public int Count;
        public double Sum;
        public double Min;
        public double Max;
    }
}
