using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// Snapshots: the whole live state of a place as bytes, written now and then (never per signal) so that a restart
/// resumes where the place was. The format carries a version byte; an unknown version is refused, not misread.
/// </summary>
public sealed partial class PlaceAggregator
{
    private const byte SnapshotVersion = 1;

    /// <summary>Writes the state (not the rules: they come from the catalogue).</summary>
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
            writer.Write(SignalKinds.Count);
            for (var k = 0; k < SignalKinds.Count; k++)
            {
                writer.Write(_latest[k]);
                writer.Write(_latestAt[k]);
                writer.Write(_overSince[k]);
                ref readonly var cause = ref _causes[k];
                writer.Write(cause.IsOpen);
                writer.Write(cause.Count);
                writer.Write(cause.Severity);
                writer.Write(cause.OpenedAt);
                writer.Write(cause.LastSeen);
                writer.Write(cause.Value);
                writer.Write(cause.Sequence);
                _windows[k].WriteTo(writer);
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
        if (version != SnapshotVersion)
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
            place._latest[k] = reader.ReadDouble();
            place._latestAt[k] = reader.ReadInt64();
            place._overSince[k] = reader.ReadInt64();
            ref var cause = ref place._causes[k];
            cause.IsOpen = reader.ReadBoolean();
            cause.Count = reader.ReadInt32();
            cause.Severity = reader.ReadInt32();
            cause.OpenedAt = reader.ReadInt64();
            cause.LastSeen = reader.ReadInt64();
            cause.Value = reader.ReadDouble();
            cause.Sequence = reader.ReadInt64();
            place._windows[k].ReadFrom(reader);
        }

        return place;
    }
}

/// <summary>Snapshot support of <see cref="SlidingWindow"/>.</summary>
public sealed partial class SlidingWindow
{
    internal void WriteTo(BinaryWriter writer)
    {
        writer.Write(_buckets.Length);
        writer.Write(_widthMs);
        foreach (ref readonly var bucket in _buckets.AsSpan())
        {
            writer.Write(bucket.Slot);
            writer.Write(bucket.Count);
            writer.Write(bucket.Sum);
            writer.Write(bucket.Min);
            writer.Write(bucket.Max);
        }
    }

    internal void ReadFrom(BinaryReader reader)
    {
        var buckets = reader.ReadInt32();
        var widthMs = reader.ReadInt64();
        var sameShape = buckets == _buckets.Length && widthMs == _widthMs;
        for (var i = 0; i < buckets; i++)
        {
            var bucket = new Bucket
            {
                Slot = reader.ReadInt64(),
                Count = reader.ReadInt32(),
                Sum = reader.ReadDouble(),
                Min = reader.ReadDouble(),
                Max = reader.ReadDouble(),
            };

            // A window of another shape (changed configuration) starts empty rather than misplacing history.
            if (sameShape)
            {
                _buckets[i] = bucket;
            }
        }
    }
}
