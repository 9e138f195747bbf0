using System.Diagnostics.Metrics;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// Ingest's instruments, meter <c>Pax.Live</c>. The counts ingest already keeps (<see cref="IngestStats"/>, the queue's
/// depth) are read when a scrape asks for them, so the message path pays nothing more for them; the rest is added by
/// the dispatcher once per place batch or per round, never per message.
/// </summary>
public sealed class IngestMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _signals;
    private readonly Histogram<int> _batchSignals;
    private readonly Histogram<double> _ingestCall;
    private readonly KeyValuePair<string, object?>[] _kindTags;
    private long _applied;

    /// <summary>Creates the instruments; the observable ones read <paramref name="stats"/> and <paramref name="queue"/>.</summary>
    public IngestMetrics(IMeterFactory meters, IngestStats stats, IngestQueue queue)
    {
        _meter = meters.Create(PaxMeter.Name);
        _kindTags = new KeyValuePair<string, object?>[SignalKinds.Count];
        foreach (var kind in SignalKinds.All)
        {
            _kindTags[(int)kind] = new("kind", kind.Name());
        }

        _signals = _meter.CreateCounter<long>("pax.signals", "{signal}", "Signals handed to their place's grain, by kind.");
        _batchSignals = _meter.CreateHistogram<int>("pax.ingest.batch.size", "{signal}", "Signals in one grain call of ingest (one place, one round).",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096] });
        _ingestCall = _meter.CreateHistogram<double>("pax.ingest.duration", "s",
            "From an ingest round's grain calls going out until every place in it has applied its batch.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _meter.CreateObservableCounter("pax.ingest.signals.applied", () => SignalsApplied, "{signal}",
            "Signals of ingest rounds whose every grain call returned: taken in by their places, not only handed to them.");
        _meter.CreateObservableCounter("pax.ingest.messages.accepted", () => stats.Accepted, "{message}", "MQTT messages ingest accepted.");
        _meter.CreateObservableCounter("pax.ingest.messages.rejected", () => Rejections(stats), "{message}", "MQTT messages ingest rejected, by reason.");
        _meter.CreateObservableGauge("pax.ingest.queue.depth", () => QueueDepth(queue), "{message}",
            "Messages accepted and waiting for their round of grain calls, by lane (the wait before pax.ingest.duration starts).");
        _meter.CreateObservableCounter("pax.mqtt.connections.refused", () => Refusals(stats), "{connection}", "MQTT connections the embedded broker refused, by reason.");
    }

    /// <summary>Counts the signals of one place's batch by kind and records its size, as the dispatcher hands it to the place.</summary>
    public void Ingested(ReadOnlySpan<SignalSample> samples)
    {
        Span<int> byKind = stackalloc int[SignalKinds.Count];
        foreach (ref readonly var sample in samples)
        {
            byKind[(int)sample.Kind]++;
        }

        for (var i = 0; i < byKind.Length; i++)
        {
            if (byKind[i] > 0)
            {
                _signals.Add(byKind[i], _kindTags[i]);
            }
        }

        _batchSignals.Record(samples.Length);
    }

    /// <summary>An ingest round came back after <paramref name="seconds"/>.</summary>
    public void RoundReturned(double seconds) => _ingestCall.Record(seconds);

    /// <summary>
    /// The <paramref name="signals"/> of a round whose every grain call returned without failing. A batch with an event
    /// whose call failed counts too: the dispatcher takes it over and retries it apart from the rounds.
    /// </summary>
    public void Applied(int signals) => Interlocked.Add(ref _applied, signals);

    /// <summary>Signals their places have taken in, all told (<see cref="Applied"/>): what a caller waits on to know a burst is through.</summary>
    public long SignalsApplied => Interlocked.Read(ref _applied);

    private static IEnumerable<Measurement<long>> Rejections(IngestStats stats)
    {
        for (var i = 1; i < RejectReasons.Count; i++)
        {
            var reason = (RejectReason)i;
            yield return new Measurement<long>(stats.Rejected(reason), new KeyValuePair<string, object?>("reason", reason.Name()));
        }
    }

    private static IEnumerable<Measurement<int>> QueueDepth(IngestQueue queue)
    {
        if (queue.PriorityReader.CanCount)
        {
            yield return new Measurement<int>(queue.PriorityReader.Count, new KeyValuePair<string, object?>("lane", "priority"));
        }

        if (queue.Reader.CanCount)
        {
            yield return new Measurement<int>(queue.Reader.Count, new KeyValuePair<string, object?>("lane", "periodic"));
        }
    }

    private static IEnumerable<Measurement<long>> Refusals(IngestStats stats)
    {
        yield return new Measurement<long>(stats.RefusedConnections(ConnectionRefusal.Anonymous), new KeyValuePair<string, object?>("reason", "anonymous"));
        yield return new Measurement<long>(stats.RefusedConnections(ConnectionRefusal.BadCredentials), new KeyValuePair<string, object?>("reason", "bad_credentials"));
        yield return new Measurement<long>(stats.RefusedConnections(ConnectionRefusal.Revoked), new KeyValuePair<string, object?>("reason", "revoked"));
        yield return new Measurement<long>(stats.RefusedConnections(ConnectionRefusal.ClientId), new KeyValuePair<string, object?>("reason", "client_id"));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
