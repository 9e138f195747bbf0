using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// Snapshots: the whole live state of a place as bytes — latest readings, windows, moving averages, learned
/// baselines and alert causes — written now and then (never per signal) so that a restart resumes where the place was.
/// The format carries a version byte; an unknown version is refused, not misread. Rules are not in it: they come
/// from the catalogue. Version 3 writes only the buckets and baseline hours that hold something, so a place that has
/// learned little costs little to store; version 2 (every bucket with its slot) is still read.
/// </summary>
public sealed partial class PlaceAggregator
{
    private const byte SnapshotVersion = 3;
    private const byte SlottedBucketsVersion = 2;

    /// <summary>Writes the state.</summary>
    public byte[] ToSnapshot()
    {
        using var stream = new MemoryStream(4096);
        using (var writer = new BinaryWriter(stream))
        {
            writer.Write(SnapshotVersion);
            writer.Write((byte)Level);
            writer.Write(LevelSince);
            writer.Write(LastHeardAt);
            writer.Write(_reportElevatedAt);
            writer.Write(_causeSequence);
            writer.Write(_kinds.Length);
            foreach (ref readonly var state in _kinds.AsSpan())
            {
                Write(writer, in state);
            }
        }

        return stream.ToArray();
    }

    /// <summary>Restores a place from <see cref="ToSnapshot"/> under the given rules.</summary>
    public static PlaceAggregator FromSnapshot(ReadOnlySpan<byte> snapshot, PlaceRules rules, long nowMs)
    {
        var place = new PlaceAggregator(rules, nowMs);
        using var stream = new MemoryStream(snapshot.ToArray(), writable: false);
        using var reader = new BinaryReader(stream);
        var version = reader.ReadByte();
        if (version is not (SnapshotVersion or SlottedBucketsVersion))
        {
            throw new InvalidDataException($"Place snapshot version {version} is not known (expected {SnapshotVersion}).");
        }

        place.Level = (Level)reader.ReadByte();
        place.LevelSince = reader.ReadInt64();
        place.LastHeardAt = reader.ReadInt64();
        place._reportElevatedAt = reader.ReadInt64();
        place._causeSequence = reader.ReadInt64();
        var kinds = reader.ReadInt32();
        if (kinds != SignalKinds.Count)
        {
            throw new InvalidDataException($"Place snapshot has {kinds} kinds, expected {SignalKinds.Count}.");
        }

        for (var k = 0; k < kinds; k++)
        {
            Read(reader, ref place._kinds[k], version);
        }

        // Thresholds and the hour of the week are derived from the rules and the clock, not stored.
        place.UseRules(rules);
        return place;
    }

    private static void Write(BinaryWriter writer, in KindState state)
    {
        writer.Write(state.Latest);
        writer.Write(state.LatestAt);
        writer.Write(state.OverSince);
        writer.Write(state.Window.Slot);
        writer.Write(state.Window.Start);
        writer.Write(state.Window.Index);
        writer.Write(state.Ring?.Length ?? 0);
        if (state.Ring is { } ring)
        {
            writer.Write(CountUsed(ring));
            for (var i = 0; i < ring.Length; i++)
            {
                ref readonly var bucket = ref ring[i];
                if (bucket.Count != 0)
                {
                    writer.Write(i);
                    writer.Write(bucket.Count);
                    writer.Write((double)bucket.Sum);
                    writer.Write(bucket.Min);
                    writer.Write(bucket.Max);
                }
            }
        }

        writer.Write(state.Ewma);
        writer.Write(state.HasEwma);
        writer.Write(state.LearnEnd);
        writer.Write(state.LearnSum);
        writer.Write(state.LearnCount);
        writer.Write(state.Baseline?.Length ?? 0);
        if (state.Baseline is { } cells)
        {
            var used = 0;
            foreach (ref readonly var cell in cells.AsSpan())
            {
                used += cell.Count != 0 ? 1 : 0;
            }

            writer.Write(used);
            for (var i = 0; i < cells.Length; i++)
            {
                ref readonly var cell = ref cells[i];
                if (cell.Count != 0)
                {
                    writer.Write(i);
                    writer.Write((int)cell.Count);
                    writer.Write(cell.Mean);
                    writer.Write(cell.M2);
                }
            }
        }

        writer.Write(state.AnomalySince);
        writer.Write(state.JudgedHour);
        writer.Write(state.AnomalyFrom);
        writer.Write(state.AnomalyClearBelow);
        var cause = state.Cause;
        writer.Write(cause.IsOpen);
        writer.Write(cause.Count);
        writer.Write(cause.Severity);
        writer.Write(cause.OpenedAt);
        writer.Write(cause.LastSeen);
        writer.Write(cause.Value);
        writer.Write(cause.Sequence);
    }

    private static int CountUsed(WindowBucket[] ring)
    {
        var used = 0;
        foreach (ref readonly var bucket in ring.AsSpan())
        {
            used += bucket.Count != 0 ? 1 : 0;
        }

        return used;
    }

    private static void Read(BinaryReader reader, ref KindState state, byte version)
    {
        state.Latest = reader.ReadDouble();
        state.LatestAt = reader.ReadInt64();
        state.OverSince = reader.ReadInt64();
        state.Window = new WindowHead { Slot = reader.ReadInt64(), Start = reader.ReadInt64(), Index = reader.ReadInt32() };
        var length = reader.ReadInt32();
        var ring = length == 0 ? null : new WindowBucket[length];
        if (version == SlottedBucketsVersion)
        {
            // Every bucket with its slot: keep those of the head's lap, where the slot-free ring expects them.
            for (var i = 0; i < length; i++)
            {
                var slot = reader.ReadInt64();
                var bucket = new WindowBucket { Count = reader.ReadInt32(), Sum = (float)reader.ReadDouble(), Min = (float)reader.ReadDouble(), Max = (float)reader.ReadDouble() };
                if (bucket.Count != 0 && slot <= state.Window.Slot && slot > state.Window.Slot - length)
                {
                    ring![slot % length] = bucket;
                }
            }
        }
        else if (ring is not null)
        {
            var used = reader.ReadInt32();
            for (var i = 0; i < used; i++)
            {
                var index = reader.ReadInt32();
                var bucket = new WindowBucket { Count = reader.ReadInt32(), Sum = (float)reader.ReadDouble(), Min = reader.ReadSingle(), Max = reader.ReadSingle() };
                if ((uint)index < (uint)length)
                {
                    ring[index] = bucket;
                }
            }
        }

        // A ring of another length (changed configuration) starts empty rather than misplacing history.
        if (ring is not null && ring.Length != DefaultBuckets)
        {
            ring = null;
            state.Window = WindowHead.Empty;
        }

        state.Ring = ring;
        state.Ewma = reader.ReadDouble();
        state.HasEwma = reader.ReadBoolean();
        state.LearnEnd = reader.ReadInt64();
        state.LearnSum = reader.ReadDouble();
        state.LearnCount = reader.ReadInt32();
        var cells = reader.ReadInt32();
        var baseline = cells == 0 ? null : new BaselineCell[cells];
        var stored = version == SlottedBucketsVersion ? cells : (cells == 0 ? 0 : reader.ReadInt32());
        for (var i = 0; i < stored; i++)
        {
            var hour = version == SlottedBucketsVersion ? i : reader.ReadInt32();
            var cell = new BaselineCell { Count = BaselineCell.Saturated(reader.ReadInt32()), Mean = reader.ReadSingle(), M2 = reader.ReadSingle() };
            if ((uint)hour < (uint)cells)
            {
                baseline![hour] = cell;
            }
        }

        state.Baseline = baseline is { Length: HourOfWeek.Count } ? baseline : null;
        state.AnomalySince = reader.ReadInt64();
        state.JudgedHour = reader.ReadInt32();
        state.AnomalyFrom = reader.ReadDouble();
        state.AnomalyClearBelow = reader.ReadDouble();
        ref var cause = ref state.Cause;
        cause.IsOpen = reader.ReadBoolean();
        cause.Count = reader.ReadInt32();
        cause.Severity = reader.ReadInt32();
        cause.OpenedAt = reader.ReadInt64();
        cause.LastSeen = reader.ReadInt64();
        cause.Value = reader.ReadDouble();
        cause.Sequence = reader.ReadInt64();
    }
}
