namespace Pax.Live.Aggregation;

/// <summary>One bucket of a window ring: the values whose timestamp fell into one slot of time.</summary>
internal struct WindowBucket
{
    public long Slot;
    public int Count;
    public double Sum;
    public double Min;
    public double Max;
}

/// <summary>
/// Where a ring was last written: the newest slot, its first millisecond and its index in the ring. A value that falls
/// into the newest slot (nearly every value: readings arrive in time order) finds its bucket by one subtraction and one
/// compare, without the 64-bit division and modulo that cost more than the rest of a record together.
/// </summary>
internal struct WindowHead
{
    public long Slot;
    public long Start;
    public int Index;

    /// <summary>A head that matches no time, so the first value takes the general path.</summary>
    public static WindowHead Empty => new() { Slot = -1, Start = long.MaxValue, Index = 0 };
}

/// <summary>The window logic shared by <see cref="SlidingWindow"/> and the flat per-kind rings of <see cref="PlaceAggregator"/>.</summary>
internal static class WindowRing
{
    public static void Add(ref WindowHead head, Span<WindowBucket> ring, long widthMs, double value, long timestampMs)
    {
        // Unsigned compare: one branch covers "not before the head's start" and "before its end".
        if ((ulong)(timestampMs - head.Start) < (ulong)widthMs)
        {
            ref var current = ref ring[head.Index];
            current.Count++;
            current.Sum += value;
            current.Min = Math.Min(current.Min, value);
            current.Max = Math.Max(current.Max, value);
            return;
        }

        AddSlow(ref head, ring, widthMs, value, timestampMs);
    }

    private static void AddSlow(ref WindowHead head, Span<WindowBucket> ring, long widthMs, double value, long timestampMs)
    {
        var slot = timestampMs / widthMs;
        var index = slot == head.Slot + 1
            ? (head.Index + 1 == ring.Length ? 0 : head.Index + 1)
            : (int)(slot % ring.Length);
        ref var bucket = ref ring[index];
        if (bucket.Slot != slot)
        {
            if (bucket.Slot > slot)
            {
                return;
            }

            bucket = new WindowBucket { Slot = slot, Min = value, Max = value };
        }

        bucket.Count++;
        bucket.Sum += value;
        bucket.Min = Math.Min(bucket.Min, value);
        bucket.Max = Math.Max(bucket.Max, value);
        if (slot > head.Slot)
        {
            head = new WindowHead { Slot = slot, Start = slot * widthMs, Index = index };
        }
    }

    /// <summary>The statistics of the window that ends at <paramref name="nowMs"/>.</summary>
    public static WindowStats Stats(ReadOnlySpan<WindowBucket> ring, long widthMs, long nowMs)
    {
        var newest = nowMs / widthMs;
        return Sum(ring, newest - ring.Length + 1, newest);
    }

    /// <summary>The statistics of the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public static WindowStats Stats(ReadOnlySpan<WindowBucket> ring, long widthMs, long fromMs, long toMs) =>
        Sum(ring, (fromMs + widthMs - 1) / widthMs, ((toMs + widthMs - 1) / widthMs) - 1);

    /// <summary>The statistics of the buckets whose slot is in [<paramref name="oldest"/>, <paramref name="newest"/>].</summary>
    private static WindowStats Sum(ReadOnlySpan<WindowBucket> ring, long oldest, long newest)
    {
        int count = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (ref readonly var bucket in ring)
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
}
