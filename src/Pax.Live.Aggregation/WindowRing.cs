namespace Pax.Live.Aggregation;

/// <summary>
/// One bucket of a window ring: the values whose timestamp fell into one slot of time. 16 bytes: the slot is not stored
/// (it follows from the bucket's place in the ring and the ring's head), and sum, min and max are floats: 7 significant
/// digits, more than a count, a share or a sound level carries, and a bucket sums only one slot's readings (the
/// window's statistics add the buckets up in doubles).
/// </summary>
internal struct WindowBucket
{
    public float Sum;
    public int Count;
    public float Min;
    public float Max;

    public static WindowBucket Of(double value) => new() { Sum = (float)value, Count = 1, Min = (float)value, Max = (float)value };
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

/// <summary>
/// The window logic shared by <see cref="SlidingWindow"/> and the flat per-kind rings of <see cref="PlaceAggregator"/>.
/// Slot <c>s</c> lives at index <c>s % length</c>, and every bucket holds a slot of the last lap before the head (or is
/// empty): when the head moves on, the buckets it passes over are cleared, at most one lap of them, so the ring need not
/// store each bucket's slot.
/// </summary>
internal static class WindowRing
{
    public static void Add(ref WindowHead head, Span<WindowBucket> ring, long widthMs, double value, long timestampMs)
    {
        // Unsigned compare: one branch covers "not before the head's start" and "before its end".
        if ((ulong)(timestampMs - head.Start) < (ulong)widthMs)
        {
            ref var current = ref ring[head.Index];
            current.Count++;
            current.Sum += (float)value;
            current.Min = Math.Min(current.Min, (float)value);
            current.Max = Math.Max(current.Max, (float)value);
            return;
        }

        AddSlow(ref head, ring, widthMs, value, timestampMs);
    }

    private static void AddSlow(ref WindowHead head, Span<WindowBucket> ring, long widthMs, double value, long timestampMs)
    {
        var slot = timestampMs / widthMs;
        if (slot > head.Slot)
        {
            // The head moves on: the slots it passes over (at most a lap of them) had no values.
            var gap = slot - head.Slot;
            if (head.Slot < 0 || gap >= ring.Length)
            {
                ring.Clear();
            }
            else
            {
                var i = head.Index;
                for (var k = 0; k < gap; k++)
                {
                    i = i + 1 == ring.Length ? 0 : i + 1;
                    ring[i] = default;
                }
            }

            var index = (int)(slot % ring.Length);
            ring[index] = WindowBucket.Of(value);
            head = new WindowHead { Slot = slot, Start = slot * widthMs, Index = index };
            return;
        }

        if (slot <= head.Slot - ring.Length)
        {
            // Older than the ring's lap: its bucket now holds a newer slot.
            return;
        }

        ref var bucket = ref ring[(int)(slot % ring.Length)];
        if (bucket.Count == 0)
        {
            bucket = WindowBucket.Of(value);
            return;
        }

        bucket.Count++;
        bucket.Sum += (float)value;
        bucket.Min = Math.Min(bucket.Min, (float)value);
        bucket.Max = Math.Max(bucket.Max, (float)value);
    }

    /// <summary>The slot of the bucket at <paramref name="index"/>, given the ring's head.</summary>
    public static long SlotAt(in WindowHead head, int index, int length) =>
        head.Slot - ((head.Index - index + length) % length);

    /// <summary>The statistics of the window that ends at <paramref name="nowMs"/>.</summary>
    public static WindowStats Stats(ReadOnlySpan<WindowBucket> ring, in WindowHead head, long widthMs, long nowMs)
    {
        var newest = nowMs / widthMs;
        return Sum(ring, in head, newest - ring.Length + 1, newest);
    }

    /// <summary>The statistics of the buckets that start in [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public static WindowStats Stats(ReadOnlySpan<WindowBucket> ring, in WindowHead head, long widthMs, long fromMs, long toMs) =>
        Sum(ring, in head, (fromMs + widthMs - 1) / widthMs, ((toMs + widthMs - 1) / widthMs) - 1);

    /// <summary>The statistics of the buckets whose slot is in [<paramref name="oldest"/>, <paramref name="newest"/>].</summary>
    private static WindowStats Sum(ReadOnlySpan<WindowBucket> ring, in WindowHead head, long oldest, long newest)
    {
        if (head.Slot < 0)
        {
            return default;
        }

        int count = 0;
        double sum = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (var i = 0; i < ring.Length; i++)
        {
            ref readonly var bucket = ref ring[i];
            if (bucket.Count == 0)
            {
                continue;
            }

            var slot = SlotAt(in head, i, ring.Length);
            if (slot < oldest || slot > newest)
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
