using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Ingest;

/// <summary>Room for the signals of a typical message inside the envelope itself: no array per message.</summary>
[InlineArray(Capacity)]
public struct InlineSignals
{
    /// <summary>Signals that fit without an array; larger messages rent one from the shared pool.</summary>
    public const int Capacity = 8;

    private Signal _element;
}

/// <summary>
/// One accepted message on its way to its place: signals, or a device's online/offline status (<see cref="Count"/> −1).
/// A struct with the signals inline, so queueing a message allocates nothing; a message with more than
/// <see cref="InlineSignals.Capacity"/> signals carries a pooled array that the dispatcher returns.
/// </summary>
public struct IngestEnvelope
{
    private InlineSignals _inline;
    private Signal[]? _rented;

    /// <summary>The place (the directory's own string).</summary>
    public string PlaceId { get; private set; }

    /// <summary>The device (an interned string).</summary>
    public string DeviceId { get; private set; }

    /// <summary>The device time of the signals, Unix ms.</summary>
    public long Timestamp { get; private set; }

    /// <summary>How many signals; −1 for a status message.</summary>
    public int Count { get; private set; }

    /// <summary>For a status message: online or offline.</summary>
    public bool Online { get; private set; }

    /// <summary>Whether any signal is of an event kind, which is never dropped.</summary>
    public bool HasEvent { get; private set; }

    /// <summary>The place was not in the directory (only with AcceptNewPlaces): the dispatcher adds it first.</summary>
    public bool NewPlace { get; set; }

    /// <summary>The write-ahead log segment holding this message (alert-grade messages only), released once stored.</summary>
    public IngestLogSegment? Logged { get; set; }

    /// <summary>Whether the signals are in an array rented from <see cref="ArrayPool{T}.Shared"/> (more than fit inline).</summary>
    public readonly bool IsRented => _rented is not null;

    /// <summary>A status message.</summary>
    public static IngestEnvelope ForStatus(string placeId, string deviceId, bool online) =>
        new() { PlaceId = placeId, DeviceId = deviceId, Count = -1, Online = online };

    /// <summary>A signals message; copies <paramref name="signals"/> inline or into a rented array.</summary>
    public static void ForSignals(string placeId, string deviceId, long timestamp, ReadOnlySpan<Signal> signals, out IngestEnvelope envelope)
    {
        envelope = default;
        envelope.PlaceId = placeId;
        envelope.DeviceId = deviceId;
        envelope.Timestamp = timestamp;
        envelope.Count = signals.Length;
        scoped Span<Signal> target;
        if (signals.Length <= InlineSignals.Capacity)
        {
            target = envelope._inline;
        }
        else
        {
            envelope._rented = ArrayPool<Signal>.Shared.Rent(signals.Length);
            target = envelope._rented;
        }

        var hasEvent = false;
        for (var i = 0; i < signals.Length; i++)
        {
            target[i] = signals[i];
            hasEvent |= signals[i].Kind.IsEvent();
        }

        envelope.HasEvent = hasEvent;
    }

    /// <summary>Whether this is a status message.</summary>
    public readonly bool IsStatus => Count < 0;

    /// <summary>The signals. Valid until <see cref="Release"/>.</summary>
    [UnscopedRef]
    public readonly ReadOnlySpan<Signal> Signals => Count <= 0
        ? default
        : _rented is { } rented ? rented.AsSpan(0, Count) : ((ReadOnlySpan<Signal>)_inline)[..Count];

    /// <summary>Returns a rented array to the pool; call once, when the signals have been copied out.</summary>
    public void Release()
    {
        if (_rented is { } rented)
        {
            _rented = null;
            ArrayPool<Signal>.Shared.Return(rented);
        }
    }
}
