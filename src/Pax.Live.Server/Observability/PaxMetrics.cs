using System.Diagnostics.Metrics;
using Pax.Live.Contracts;
using Pax.Live.Grains;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Observability;

/// <summary>
/// The server's own instruments, meter <c>Pax.Live</c>. Counts that ingest and the grains already keep
/// (<see cref="IngestStats"/>, <see cref="HotPathMetrics"/>) are read when a scrape asks for them, so the message path
/// pays nothing more for them; the rest is added by the ingest dispatcher once per place batch or per round, or once per
/// connection, never per message. Nothing hooks every grain call: a call filter costs each of them an allocation.
/// </summary>
public sealed class PaxMetrics : IDisposable
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Pax.Live";

    private readonly Meter _meter;
    private readonly Counter<long> _signals;
    private readonly Histogram<int> _batchSignals;
    private readonly Histogram<double> _ingestCall;
    private readonly UpDownCounter<long> _signalRConnections;
    private readonly KeyValuePair<string, object?>[] _kindTags;

    /// <summary>Creates the instruments; the observable ones read <paramref name="stats"/>.</summary>
    public PaxMetrics(IMeterFactory meters, IngestStats stats, IngestQueue queue)
    {
        _meter = meters.Create(MeterName);
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
        _meter.CreateObservableCounter("pax.alerts.transitions", AlertTransitionCounts, "{transition}",
            "Alerts that entered a state or step (raised, acknowledged, dispatched, received, accepted, on_site, resolved), as stored by this node.");
        _signalRConnections = _meter.CreateUpDownCounter<long>("pax.signalr.connections", "{connection}", "SignalR connections open on this node's /hubs/live.");

        _meter.CreateObservableCounter("pax.ingest.messages.accepted", () => stats.Accepted, "{message}", "MQTT messages ingest accepted.");
        _meter.CreateObservableCounter("pax.ingest.messages.rejected", () => Rejections(stats), "{message}", "MQTT messages ingest rejected, by reason.");
        _meter.CreateObservableGauge("pax.ingest.queue.depth", () => QueueDepth(queue), "{message}",
            "Messages accepted and waiting for their round of grain calls, by lane (the wait before pax.ingest.duration starts).");
        _meter.CreateObservableCounter("pax.mqtt.connections.refused", () => Refusals(stats), "{connection}", "MQTT connections the embedded broker refused, by reason.");
    }

    /// <summary>Counts the signals of one place's batch by kind and records its size, as the dispatcher hands it to the place.</summary>
    public void Ingested(ReadOnlySpan<Abstractions.SignalSample> samples)
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

    /// <summary>A SignalR connection opened (+1) or closed (−1).</summary>
    public void SignalRConnections(int delta) => _signalRConnections.Add(delta);

    private static IEnumerable<Measurement<long>> Rejections(IngestStats stats)
    {
        for (var i = 1; i < RejectReasons.Count; i++)
        {
            var reason = (RejectReason)i;
            yield return new Measurement<long>(stats.Rejected(reason), new KeyValuePair<string, object?>("reason", reason.Name()));
        }
    }

    private static IEnumerable<Measurement<long>> AlertTransitionCounts()
    {
        for (var i = 0; i < AlertTransitions.Names.Length; i++)
        {
            yield return new Measurement<long>(HotPathMetrics.AlertsEntered((AlertTransition)i), new KeyValuePair<string, object?>("state", AlertTransitions.Names[i]));
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
