using Pax.Live.Aggregation;
using Pax.Live.Aggregation.Replay;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>One minute of one kind at one place; <see cref="Slots"/> its six 10-s slots for replays (<see cref="SignalSlotCodec"/>).</summary>
public readonly record struct RollupRow(string PlaceId, SignalKind Kind, long MinuteStartMs, int Count, double Min, double Max, double Mean, byte[]? Slots = null);

/// <summary>A device at a place came online (a reading, or its word) or went offline (its word, or its broker's will).</summary>
public readonly record struct DeviceChangeRow(string PlaceId, string DeviceId, long AtMs, bool Online);

/// <summary>A place's level changed.</summary>
public readonly record struct LevelChangeRow(string PlaceId, long AtMs, Level From, Level To);

/// <summary>
/// Where history goes: the host batches rows into the database. Appending never blocks and never throws, so the
/// place's turn never waits on storage.
/// </summary>
public interface IHistorySink
{
    /// <summary>Queues a minute rollup.</summary>
    void Append(in RollupRow row);

    /// <summary>Queues a level change.</summary>
    void Append(in LevelChangeRow row);

    /// <summary>Queues a device's change. Sinks that keep no devices ignore it.</summary>
    void Append(in DeviceChangeRow row)
    {
    }

    /// <summary>Queues an alert's latest row (written as an upsert). Sinks that keep no alerts ignore it.</summary>
    void Append(in AlertRow row)
    {
    }
}

/// <summary>History switched off (in-memory storage).</summary>
public sealed class NullHistorySink : IHistorySink
{
    /// <summary>The one instance.</summary>
    public static NullHistorySink Instance { get; } = new();

    /// <inheritdoc />
    public void Append(in RollupRow row)
    {
    }

    /// <inheritdoc />
    public void Append(in LevelChangeRow row)
    {
    }
}

/// <summary>
/// Turns a place's live windows into one-minute rollups as minutes complete, each with its slots for replays, and
/// records level changes and its devices' changes.
/// </summary>
internal sealed class PlaceHistory(string placeId, IHistorySink sink)
{
    private const long MinuteMs = 60_000;
    private readonly SignalSlotRecorder _slots = new();

    /// <summary>Rollups are written for minutes that started before this (Unix ms, on a minute boundary).</summary>
    public long RolledUpTo { get; set; }

    /// <summary>When the next minute completes, so that <see cref="RollUp"/> has something to write.</summary>
    public long NextRollUpAt => RolledUpTo + MinuteMs;

    private Level _level;

    /// <summary>Starts tracking at <paramref name="nowMs"/>, resuming from a saved position when there is one.</summary>
    public void Start(PlaceAggregator core, long rolledUpTo, long nowMs)
    {
        // A place that was away longer than its window cannot recover those minutes; start where the window starts.
        var floor = (nowMs / MinuteMs * MinuteMs) - (5 * MinuteMs);
        RolledUpTo = Math.Max(rolledUpTo, floor);
        _level = core.Level;
    }

    /// <summary>A reading, at its time as the place's window takes it: the device's, but never after now.</summary>
    public void Record(SignalKind kind, double value, long timestamp, long nowMs) => _slots.Record(kind, value, Math.Min(timestamp, nowMs));

    /// <summary>Records that a device came online or went offline.</summary>
    public void DeviceChanged(string deviceId, bool online, long atMs) => sink.Append(new DeviceChangeRow(placeId, deviceId, atMs, online));

    /// <summary>Records a level change if the core's level differs from the last one seen.</summary>
    public void ObserveLevel(PlaceAggregator core, long nowMs)
    {
        if (core.Level != _level)
        {
            sink.Append(new LevelChangeRow(placeId, nowMs, _level, core.Level));
            _level = core.Level;
        }
    }

    /// <summary>Writes a rollup per kind for every minute that has completed since the last call. Returns true if any minute completed.</summary>
    public bool RollUp(PlaceAggregator core, long nowMs)
    {
        var currentMinute = nowMs / MinuteMs * MinuteMs;
        var any = false;
        while (RolledUpTo < currentMinute)
        {
            var from = RolledUpTo;
            var to = from + MinuteMs;
            foreach (var kind in SignalKinds.All)
            {
                var stats = core.Window(kind, from, to);
                if (stats.Count > 0)
                {
                    sink.Append(new RollupRow(placeId, kind, from, stats.Count, stats.Min, stats.Max, stats.Mean, _slots.Take(kind, from)));
                }
            }

            RolledUpTo = to;
            any = true;
        }

        return any;
    }
}
