using System.Diagnostics.Metrics;
using Pax.Live.Grains;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Observability;

/// <summary>
/// The server's instruments beyond ingest's (<see cref="IngestMetrics"/>), meter <c>Pax.Live</c>: alert transitions as
/// the grains count them (<see cref="HotPathMetrics"/>, read when a scrape asks), and SignalR connections. Nothing
/// hooks every grain call: a call filter costs each of them an allocation.
/// </summary>
public sealed class PaxMetrics : IDisposable
{
    private readonly Meter _meter;
    private readonly UpDownCounter<long> _signalRConnections;

    /// <summary>Creates the instruments.</summary>
    public PaxMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(PaxMeter.Name);
        _meter.CreateObservableCounter("pax.alerts.transitions", AlertTransitionCounts, "{transition}",
            "Alerts that entered a state or step (raised, acknowledged, dispatched, received, accepted, on_site, resolved), as stored by this node.");
        _signalRConnections = _meter.CreateUpDownCounter<long>("pax.signalr.connections", "{connection}", "SignalR connections open on this node's /hubs/live.");
    }

    /// <summary>A SignalR connection opened (+1) or closed (−1).</summary>
    public void SignalRConnections(int delta) => _signalRConnections.Add(delta);

    private static IEnumerable<Measurement<long>> AlertTransitionCounts()
    {
        for (var i = 0; i < AlertTransitions.Names.Length; i++)
        {
            yield return new Measurement<long>(HotPathMetrics.AlertsEntered((AlertTransition)i), new KeyValuePair<string, object?>("state", AlertTransitions.Names[i]));
        }
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();
}
