using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>
/// Carries one place's alert effects to the alert grains, which store and announce them: new alerts in order and
/// repeats counted per kind, retried until delivered (the level already says alert, and the people must hear why).
/// It also answers for the durability ingest's write-ahead log waits on, and takes over the announcements an earlier
/// activation of the place left undone. Lives inside the place's grain and runs only in its turns.
/// </summary>
internal sealed partial class PlaceAlertDelivery(
    IGrainBase host,
    string placeId,
    IGrainFactory grains,
    Place place,
    Func<PlaceAlert, int, AlertView> viewOf,
    Action statusChanged,
    Func<Task<bool>> saveNote,
    StorageHealth storage,
    TimeProvider clock,
    ILogger logger)
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromMilliseconds(500);

    private readonly List<(PlaceAlert Alert, AlertOpening Opening)> _raised = [];
    private readonly Dictionary<SignalKind, int> _repeats = [];
    private IGrainTimer? _retry;

    // The alerts that readings from ingest's log touched, until each says it is stored and indexed; whether the place's
    // snapshot still lacks a new alert; and which activation this is (a token from another one means the readings may
    // have died with it).
    private readonly long _activation = Random.Shared.NextInt64(1, long.MaxValue);
    private readonly HashSet<string> _unconfirmed = new(StringComparer.Ordinal);
    private bool _noteUnsaved;

    /// <summary>Whether something waits for delivery.</summary>
    public bool Pending => _raised.Count > 0 || _repeats.Count > 0;

    /// <summary>Whether a new alert waits for delivery.</summary>
    public bool RaisedPending => _raised.Count > 0;

    /// <summary>How long the last alert grain took to open an alert, in ms.</summary>
    public double LastOpenMs { get; private set; }

    /// <summary>
    /// Opens again the alerts the place's snapshot holds, before the first tick may clear their causes: those an earlier
    /// activation never got announced are announced now; a resolved one the place missed hearing of is over.
    /// </summary>
    public async Task Restore(List<string> unannounced, long now)
    {
        foreach (var alert in place.OpenAlerts.ToArray())
        {
            if (unannounced.Contains(alert.AlertId))
            {
                // The activation that raised it was gone (a node died, or Orleans retired it as a duplicate after a
                // death) before the feeds took it. Nothing else would announce it, and a feed that started afresh lists
                // only what its index had when it started.
                _raised.Add((alert, AlertOpening.TakenOver));
            }
            else if (await grains.GetGrain<IAlertGrain>(alert.AlertId).Open(viewOf(alert, alert.Count), AlertOpening.Restored) == AlertState.Resolved)
            {
                // Resolved, and the place died before it heard (or before its snapshot said so): the cause may raise a
                // new one.
                place.AlertResolved(alert.AlertId, now);
            }
        }

        if (_raised.Count > 0)
        {
            await DeliverOrRetry();
        }
    }

    /// <summary>
    /// Queues what the model opened and repeated; <paramref name="opening"/> says whether ingest's log keeps the
    /// readings. Returns the reading time of the first new alert (0: none).
    /// </summary>
    public long Queue(PlaceEffects effects, AlertOpening opening)
    {
        long raisedBy = 0;
        foreach (var alert in effects.Opened)
        {
            raisedBy = raisedBy == 0 ? alert.LastSeen : raisedBy;
            _raised.Add((alert, opening));
            _noteUnsaved = true;
            LogAlertRaised(logger, alert.AlertId, placeId, viewOf(alert, 1).Summary);
        }

        foreach (var alert in effects.Repeated)
        {
            _repeats[alert.Kind] = _repeats.GetValueOrDefault(alert.Kind) + 1;
        }

        return raisedBy;
    }

    /// <summary>Causes close with time too; their alerts stay open until someone resolves them.</summary>
    public async Task CausesCleared(IReadOnlyList<PlaceAlert> cleared, long now)
    {
        foreach (var alert in cleared.ToArray())
        {
            await grains.GetGrain<IAlertGrain>(alert.AlertId).CauseCleared(DateTimeOffset.FromUnixTimeMilliseconds(now));
        }
    }

    /// <summary>
    /// Delivers what waits. What cannot be delivered now (an alert grain or a feed on a node that just died, or the
    /// database away) is tried again every half second until it is.
    /// </summary>
    public async Task DeliverOrRetry()
    {
        try
        {
            await Deliver();
            _retry?.Dispose();
            _retry = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeliveryFailed(logger, ex, placeId);
            _retry ??= host.RegisterGrainTimer(DeliverOrRetry, new GrainTimerCreationOptions(RetryEvery, RetryEvery) { KeepAlive = true });
        }
    }

    /// <summary>Delivers one step at a time and forgets each once done, so a retry repeats nothing that was delivered.</summary>
    private async Task Deliver()
    {
        while (_raised.Count > 0)
        {
            // A new alert counts its first occurrence when it opens; the batch's other occurrences are repeats. Its
            // grain announces it to every audience's feed, and is awaited: a lost alert is worse than a late one.
            var (alert, opening) = _raised[0];
            var view = viewOf(alert, 1);
            var opened = System.Diagnostics.Stopwatch.GetTimestamp();
            var state = await grains.GetGrain<IAlertGrain>(view.AlertId).Open(view, opening);
            LastOpenMs = System.Diagnostics.Stopwatch.GetElapsedTime(opened).TotalMilliseconds;
            LogOpened(logger, view.AlertId, state);
            _unconfirmed.Add(view.AlertId);
            if (state == AlertState.Resolved && place.AlertResolved(view.AlertId, clock.GetUtcNow().ToUnixTimeMilliseconds()))
            {
                // The reading that raised this alert came again after someone resolved it (an edge device resending
                // it, a broker redelivering it): it is that alert, and it is over.
                statusChanged();
            }

            _raised.RemoveAt(0);

            // The snapshot's note of it as unannounced goes with the next save.
            place.Changed();
        }

        foreach (var (kind, count) in _repeats.ToArray())
        {
            if (place.OpenAlerts.FirstOrDefault(a => a.Kind == kind) is { } open)
            {
                await grains.GetGrain<IAlertGrain>(open.AlertId).Repeat(count, DateTimeOffset.FromUnixTimeMilliseconds(open.LastSeen), open.Severity);
                _unconfirmed.Add(open.AlertId);
            }

            _repeats.Remove(kind);
        }
    }

    /// <summary>
    /// For a batch from ingest's log: 0 when every alert this activation touched is stored and indexed and the snapshot
    /// notes the open ones, otherwise this activation's token. Just after a new alert, the token at once: its grain
    /// stores it after announcing it, and this turn does not wait for that.
    /// </summary>
    public ValueTask<long> Durability(bool raisedNow) => raisedNow ? ValueTask.FromResult(_activation) : Durability();

    /// <summary>Answers ingest's later question about a token from <see cref="Durability(bool)"/> (−1: another activation's).</summary>
    public ValueTask<long> AlertsStored(long token) => token == _activation ? Durability() : ValueTask.FromResult(-1L);

    private async ValueTask<long> Durability()
    {
        if (Pending)
        {
            return _activation;
        }

        foreach (var alertId in _unconfirmed.ToArray())
        {
            if (await grains.GetGrain<IAlertGrain>(alertId).IsStored())
            {
                _unconfirmed.Remove(alertId);
            }
        }

        if (_unconfirmed.Count > 0)
        {
            return _activation;
        }

        if (_noteUnsaved && !storage.RecentlyFailed)
        {
            await saveNote();
        }

        return _noteUnsaved ? _activation : 0;
    }

    /// <summary>The place's snapshot was stored: it notes every alert raised so far.</summary>
    public void NoteSaved() => _noteUnsaved = false;

    /// <summary>The open alerts still waiting for their announcement, for the snapshot.</summary>
    public List<string> Unannounced()
    {
        var ids = new List<string>(_raised.Count);
        foreach (var (alert, _) in _raised)
        {
            if (place.OpenAlerts.Any(open => open.AlertId == alert.AlertId))
            {
                ids.Add(alert.AlertId);
            }
        }

        return ids;
    }

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} raised at {PlaceId}: {Summary}")]
    private static partial void LogAlertRaised(ILogger logger, string alertId, string placeId, string summary);

    [LoggerMessage(LogLevel.Debug, "Opened alert {AlertId}: {State}")]
    private static partial void LogOpened(ILogger logger, string alertId, AlertState state);

    [LoggerMessage(LogLevel.Warning, "Could not deliver the alerts of {PlaceId} yet; retrying every half second")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string placeId);
}
