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
    private readonly WindowBucket[] _buckets;
    private readonly long _widthMs;
    private WindowHead _head = WindowHead.Empty;

    /// <summary>Creates a window of <paramref name="buckets"/> buckets of <paramref name="width"/> each.</summary>
    public SlidingWindow(int buckets, TimeSpan width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(buckets, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, TimeSpan.FromMilliseconds(1));
        _buckets = new WindowBucket[buckets];
        _widthMs = (long)width.TotalMilliseconds;
    }

    /// <summary>The span the window covers.</summary>
    public TimeSpan Span => TimeSpan.FromMilliseconds(_widthMs * _buckets.Length);

    /// <summary>Adds <paramref name="value"/> at <paramref name="timestampMs"/>; a value older than the window is ignored.</summary>
    public void Add(double value, long timestampMs) => WindowRing.Add(ref _head, _buckets, _widthMs, value, timestampMs);

    /// <summary>
    /// The statistics of the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>) and are still in
    /// the ring; exact when the range's ends fall on bucket boundaries (a minute of 5 s buckets, say).
    /// </summary>
    public WindowStats Stats(long fromMs, long toMs) => WindowRing.Stats(_buckets, in _head, _widthMs, fromMs, toMs);

    /// <summary>The statistics of every value in the window that ends at <paramref name="nowMs"/>.</summary>
    public WindowStats Stats(long nowMs) => WindowRing.Stats(_buckets, in _head, _widthMs, nowMs);
}
