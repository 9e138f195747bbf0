using Pax.Live.Abstractions;

namespace Pax.Live.Server.Ingest;

/// <summary>The signals gathered for one place in the current round, in a buffer that is reused round after round.</summary>
public sealed class PlaceBatch(string placeId)
{
    private SignalSample[] _samples = new SignalSample[16];

    /// <summary>The place.</summary>
    public string PlaceId { get; } = placeId;

    /// <summary>Where the dispatcher keeps the place's grain reference, so it is looked up once per place, not per round.</summary>
    public IPlaceGrain? Grain { get; set; }

    /// <summary>Signals gathered and not yet taken.</summary>
    public int Count { get; private set; }

    /// <summary>The log segments of this round's alert-grade messages (null when there are none: the usual case).</summary>
    public List<IngestLogSegment>? Logged { get; private set; }

    /// <summary>Copies the signals of <paramref name="envelope"/> in.</summary>
    public void Add(in IngestEnvelope envelope)
    {
        var signals = envelope.Signals;
        if (Count + signals.Length > _samples.Length)
        {
            Array.Resize(ref _samples, Math.Max(_samples.Length * 2, Count + signals.Length));
        }

        if (envelope.Logged is { } segment)
        {
            (Logged ??= []).Add(segment);
        }

        for (var i = 0; i < signals.Length; i++)
        {
            _samples[Count++] = new SignalSample(envelope.DeviceId, signals[i].Kind, signals[i].Value, envelope.Timestamp);
        }
    }

    /// <summary>
    /// The gathered signals as the batch of one grain call (its own array: an immutable argument may be read after
    /// the call returns), and an empty buffer for the next round.
    /// </summary>
    public SignalBatch Take() => Take(out _);

    /// <summary>As <see cref="Take()"/>, also handing over the log segments of the batch's messages (null: none).</summary>
    public SignalBatch Take(out List<IngestLogSegment>? logged)
    {
        logged = Logged;
        Logged = null;
        var batch = new SignalBatch(_samples.AsSpan(0, Count).ToArray());
        Count = 0;
        if (_samples.Length > PlaceBatcher.MaxRetainedSamples)
        {
            // One burst must not pin a large buffer for the life of the place.
            _samples = new SignalSample[16];
        }

        return batch;
    }
}

/// <summary>
/// Groups accepted messages by place over one round: no allocation per message once a place has been seen (its batch
/// and buffer are reused), one <see cref="SignalBatch"/> per place per round. Used by one thread, the dispatcher's.
/// </summary>
public sealed class PlaceBatcher
{
    /// <summary>A place's buffer above this many samples is dropped after its round rather than kept.</summary>
    public const int MaxRetainedSamples = 4096;

    private readonly Dictionary<string, PlaceBatch> _byPlace = new(StringComparer.Ordinal);
    private readonly List<PlaceBatch> _pending = [];

    /// <summary>Places with signals in this round.</summary>
    public IReadOnlyList<PlaceBatch> Pending => _pending;

    /// <summary>How many places have a reusable batch.</summary>
    public int Places => _byPlace.Count;

    /// <summary>Adds a signals message to its place's batch and releases the envelope's pooled array, if any.</summary>
    public void Add(ref IngestEnvelope envelope)
    {
        if (!_byPlace.TryGetValue(envelope.PlaceId, out var batch))
        {
            batch = new PlaceBatch(envelope.PlaceId);
            _byPlace[envelope.PlaceId] = batch;
        }

        if (batch.Count == 0)
        {
            _pending.Add(batch);
        }

        batch.Add(in envelope);
        envelope.Release();
    }

    /// <summary>Ends the round: the caller has taken every pending batch.</summary>
    public void EndRound(int maxPlaces)
    {
        _pending.Clear();
        if (_byPlace.Count > maxPlaces)
        {
            // Keep the reusable batches bounded when the set of active places churns.
            _byPlace.Clear();
        }
    }
}
