using Pax.Live.Abstractions;

namespace Pax.Live.Server.Ingest;

/// <summary>The signals gathered for one place and not yet sent, in a buffer that is reused call after call.</summary>
public sealed class PlaceBatch(string placeId)
{
    private SignalSample[] _samples = new SignalSample[16];

    /// <summary>The place.</summary>
    public string PlaceId { get; } = placeId;

    /// <summary>Where the dispatcher keeps the place's grain reference, so it is looked up once per place, not per round.</summary>
    public IPlaceGrain? Grain { get; set; }

    /// <summary>Signals gathered and not yet taken.</summary>
    public int Count { get; private set; }

    /// <summary>When the oldest signal waiting here was gathered (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</summary>
    public long Since { get; private set; }

    /// <summary>Whether an event (or a logged, alert-grade message) waits here: the batch goes in this round, whatever its age.</summary>
    public bool Urgent { get; private set; }

    /// <summary>Whether the batch has grown to <see cref="PlaceBatcher.MaxHeldSamples"/>: it goes in this round, whatever its age.</summary>
    public bool IsFull => Count >= PlaceBatcher.MaxHeldSamples;

    /// <summary>The log segments of the waiting alert-grade messages (null when there are none: the usual case).</summary>
    public List<IngestLogSegment>? Logged { get; private set; }

    /// <summary>Copies the signals of <paramref name="envelope"/> in.</summary>
    public void Add(in IngestEnvelope envelope) => Add(in envelope, 0);

    /// <summary>Copies the signals of <paramref name="envelope"/>, gathered at <paramref name="now"/>, in after those already waiting.</summary>
    public void Add(in IngestEnvelope envelope, long now)
    {
        var signals = envelope.Signals;
        if (Count + signals.Length > _samples.Length)
        {
            Array.Resize(ref _samples, Math.Max(_samples.Length * 2, Count + signals.Length));
        }

        if (Count == 0)
        {
            Since = now;
        }

        if (envelope.Logged is { } segment)
        {
            (Logged ??= []).Add(segment);
        }

        Urgent |= envelope.HasEvent || envelope.Logged is not null;
        for (var i = 0; i < signals.Length; i++)
        {
            _samples[Count++] = new SignalSample(envelope.DeviceId, signals[i].Kind, signals[i].Value, envelope.Timestamp);
        }
    }

    /// <summary>
    /// The gathered signals as the batch of one grain call (its own array: <see cref="SignalBatch"/> is immutable, so
    /// in-process Orleans hands the grain this very array, which it may read after the call returns, and a retry sends
    /// it again), and an empty buffer for the next.
    /// </summary>
    public SignalBatch Take() => Take(out _);

    /// <summary>As <see cref="Take()"/>, also handing over the log segments of the batch's messages (null: none).</summary>
    public SignalBatch Take(out List<IngestLogSegment>? logged)
    {
        logged = Logged;
        Logged = null;
        Urgent = false;
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
/// Groups accepted messages by place until they are sent: no allocation per message once a place has been seen (its
/// batch and buffer are reused), one <see cref="SignalBatch"/> per place per grain call. A place's signals may wait
/// over several rounds (the dispatcher's periodic hold); <see cref="Pending"/> keeps the waiting places in the order
/// their oldest signal came, so the ones due are always at its front. Used by one thread, the dispatcher's.
/// </summary>
public sealed class PlaceBatcher
{
    /// <summary>A place's buffer above this many samples is dropped after its call rather than kept.</summary>
    public const int MaxRetainedSamples = 4096;

    /// <summary>A place's waiting batch this large goes at the next round, before its hold is out: it bounds one call's size.</summary>
    public const int MaxHeldSamples = 1024;

    private readonly Dictionary<string, PlaceBatch> _byPlace = new(StringComparer.Ordinal);
    private readonly List<PlaceBatch> _pending = [];

    // Waiting batches that became urgent or full since the last round: found without walking every waiting place.
    private readonly List<PlaceBatch> _pressing = [];

    /// <summary>Places with signals waiting, the longest-waiting first (after <see cref="EndRound"/>; taken batches stay listed until then).</summary>
    public IReadOnlyList<PlaceBatch> Pending => _pending;

    /// <summary>How many places have a reusable batch.</summary>
    public int Places => _byPlace.Count;

    /// <summary>When the longest-waiting signal was gathered; null when nothing waits. Meaningful after <see cref="EndRound"/>.</summary>
    public long? OldestSince => _pending.Count > 0 ? _pending[0].Since : null;

    /// <summary>Adds a signals message to its place's batch and releases the envelope's pooled array, if any.</summary>
    public void Add(ref IngestEnvelope envelope) => Add(ref envelope, 0);

    /// <summary>As <see cref="Add(ref IngestEnvelope)"/>, gathered at <paramref name="now"/> (a non-decreasing timestamp).</summary>
    public void Add(ref IngestEnvelope envelope, long now)
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

        var pressing = batch.Urgent || batch.IsFull;
        batch.Add(in envelope, now);
        if (!pressing && (batch.Urgent || batch.IsFull))
        {
            _pressing.Add(batch);
        }

        envelope.Release();
    }

    /// <summary>
    /// Lists into <paramref name="due"/> the batches to send this round: the urgent and the full ones first, then every
    /// one whose oldest signal was gathered at or before <paramref name="gatheredBy"/> (<see cref="long.MaxValue"/>: all).
    /// </summary>
    public void SelectDue(long gatheredBy, List<PlaceBatch> due)
    {
        foreach (var batch in _pressing)
        {
            due.Add(batch);
        }

        foreach (var batch in _pending)
        {
            if (batch.Since > gatheredBy)
            {
                // In the order their oldest signal came: the rest are younger still.
                break;
            }

            if (!batch.Urgent && !batch.IsFull)
            {
                due.Add(batch);
            }
        }
    }

    /// <summary>Ends the round: the caller has taken the batches it sends; those left keep waiting, in order.</summary>
    public void EndRound(int maxPlaces)
    {
        _pressing.RemoveAll(static batch => batch.Count == 0);
        _pending.RemoveAll(static batch => batch.Count == 0);
        if (_byPlace.Count > maxPlaces)
        {
            // Keep the reusable batches bounded when the set of active places churns; those still waiting stay.
            _byPlace.Clear();
            foreach (var batch in _pending)
            {
                _byPlace[batch.PlaceId] = batch;
            }
        }
    }
}
