using System.Buffers.Binary;
using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Replay;

/// <summary>
/// Ten seconds of one kind at a place, as a replay reads it: how many readings, their mean and maximum, and the last
/// one with its time. <see cref="LastAt"/> is exact; with one reading in the slot (a device sending every 10 s or
/// less often, every event) the slot is that reading.
/// </summary>
public readonly record struct SignalSlot(SignalKind Kind, long LastAt, int Count, double Mean, double Max, double Last)
{
    /// <summary>The width of a slot.</summary>
    public const long WidthMs = 10_000;

    /// <summary>Slots per minute: a minute's slots of one kind travel together, with that minute's rollup.</summary>
    public const int PerMinute = 6;

    /// <summary>The start of the slot <paramref name="at"/> falls in.</summary>
    public static long StartOf(long at) => at - (at % WidthMs);
}

/// <summary>
/// Collects a place's readings into slots as they arrive, for the minute rollups to carry (<see cref="Take"/>). It keeps
/// the current and the previous minute of each kind; a reading older than that (store-and-forward delivering hours
/// late) is left to the rollups' window, not replayed. One writer (the place's grain), no allocation per reading.
/// </summary>
public sealed class SignalSlotRecorder
{
    private const long MinuteMs = 60_000;

    // Per kind, two minutes of six slots: [kind][minute parity][slot].
    private readonly Accumulator[] _slots = new Accumulator[SignalKinds.Count * 2 * SignalSlot.PerMinute];
    private readonly long[] _minutes = new long[SignalKinds.Count * 2];

    /// <summary>A reading measured at <paramref name="at"/> (already capped to now, as the place's window takes it).</summary>
    public void Record(SignalKind kind, double value, long at)
    {
        var minute = at - (at % MinuteMs);
        var half = (int)((minute / MinuteMs) & 1);
        var m = ((int)kind * 2) + half;
        if (_minutes[m] != minute)
        {
            if (_minutes[m] > minute)
            {
                // Older than the two minutes kept.
                return;
            }

            _minutes[m] = minute;
            _slots.AsSpan(m * SignalSlot.PerMinute, SignalSlot.PerMinute).Clear();
        }

        ref var slot = ref _slots[(m * SignalSlot.PerMinute) + (int)((at - minute) / SignalSlot.WidthMs)];
        if (slot.Count == 0)
        {
            slot = new Accumulator { Count = 1, Sum = value, Max = value, Last = value, LastAt = at };
            return;
        }

        slot.Count++;
        slot.Sum += value;
        slot.Max = Math.Max(slot.Max, value);
        if (at >= slot.LastAt)
        {
            slot.Last = value;
            slot.LastAt = at;
        }
    }

    /// <summary>The encoded slots of <paramref name="kind"/> in the minute starting at <paramref name="minuteStart"/>; null when none.</summary>
    public byte[]? Take(SignalKind kind, long minuteStart)
    {
        var m = ((int)kind * 2) + (int)((minuteStart / MinuteMs) & 1);
        if (_minutes[m] != minuteStart)
        {
            return null;
        }

        var slots = _slots.AsSpan(m * SignalSlot.PerMinute, SignalSlot.PerMinute);
        var used = 0;
        foreach (ref readonly var slot in slots)
        {
            used += slot.Count > 0 ? 1 : 0;
        }

        if (used == 0)
        {
            return null;
        }

        var bytes = new byte[used * SignalSlotCodec.BytesPerSlot];
        var offset = 0;
        for (var i = 0; i < slots.Length; i++)
        {
            ref readonly var slot = ref slots[i];
            if (slot.Count > 0)
            {
                var start = minuteStart + (i * SignalSlot.WidthMs);
                SignalSlotCodec.Write(bytes.AsSpan(offset), i, slot.Count, slot.Sum / slot.Count, slot.Max, slot.Last, slot.LastAt - start);
                offset += SignalSlotCodec.BytesPerSlot;
            }
        }

        return bytes;
    }

    private struct Accumulator
    {
        public int Count;
        public double Sum;
        public double Max;
        public double Last;
        public long LastAt;
    }
}

/// <summary>
/// A minute's slots of one kind as stored (<c>pax_rollup.slots</c>), 17 bytes a slot that heard anything: its index in
/// the minute (1 byte), the count (2, saturating), mean, max and last (4 each, IEEE single), and the last reading's
/// offset in the slot in milliseconds (2).
/// </summary>
public static class SignalSlotCodec
{
    /// <summary>The size of one slot.</summary>
    public const int BytesPerSlot = 17;

    internal static void Write(Span<byte> to, int index, int count, double mean, double max, double last, long lastOffsetMs)
    {
        to[0] = (byte)index;
        BinaryPrimitives.WriteUInt16LittleEndian(to[1..], (ushort)Math.Min(count, ushort.MaxValue));
        BinaryPrimitives.WriteSingleLittleEndian(to[3..], (float)mean);
        BinaryPrimitives.WriteSingleLittleEndian(to[7..], (float)max);
        BinaryPrimitives.WriteSingleLittleEndian(to[11..], (float)last);
        BinaryPrimitives.WriteUInt16LittleEndian(to[15..], (ushort)lastOffsetMs);
    }

    /// <summary>Appends the slots in <paramref name="bytes"/> (the minute starting at <paramref name="minuteStart"/>) to <paramref name="into"/>.</summary>
    public static void Read(SignalKind kind, long minuteStart, ReadOnlySpan<byte> bytes, List<SignalSlot> into)
    {
        for (var offset = 0; offset + BytesPerSlot <= bytes.Length; offset += BytesPerSlot)
        {
            var slot = bytes.Slice(offset, BytesPerSlot);
            var start = minuteStart + (slot[0] * SignalSlot.WidthMs);
            into.Add(new SignalSlot(
                kind,
                start + BinaryPrimitives.ReadUInt16LittleEndian(slot[15..]),
                BinaryPrimitives.ReadUInt16LittleEndian(slot[1..]),
                BinaryPrimitives.ReadSingleLittleEndian(slot[3..]),
                BinaryPrimitives.ReadSingleLittleEndian(slot[7..]),
                BinaryPrimitives.ReadSingleLittleEndian(slot[11..])));
        }
    }
}
