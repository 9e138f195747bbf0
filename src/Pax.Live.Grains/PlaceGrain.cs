using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>
/// One activation per place, the only writer of its live state: a thin host for the place model
/// (<see cref="Place"/>). It loads what was saved, feeds the model readings and ticks, and carries the effects out:
/// new alerts and repeats to their alert grains (retried until delivered), causes cleared, statuses to the notifier,
/// snapshots to storage (with backoff while the database is away), rollups to history. Its timer sleeps until the
/// model's next wake-up, so that 100,000 quiet places are not 100,000 turns a second.
/// </summary>
[KeepAlive]
public sealed partial class PlaceGrain(
    [PersistentState(PlaceGrain.StateName, PaxStorage.Name)] IPersistentState<PlaceState> state,
    [FromKeyedServices(PaxClock.Key)] TimeProvider clock,
    LevelDefaults defaults,
    PlaceSnapshotOptions snapshots,
    PlaceTickOptions ticks,
    IHistorySink historySink,
    StorageHealth storage,
    ILogger<PlaceGrain> logger) : Grain, IPlaceGrain
{
    /// <summary>The state name: one per grain class, because stored rows are keyed by grain id and state name.</summary>
    public const string StateName = "place";

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan DeliveryRetryEvery = TimeSpan.FromMilliseconds(500);
    private const long MinTickDelayMs = 10;

    private Place _place = null!;
    private PlaceHistory _history = null!;
    private PlaceDefinition? _definition;
    private ILiveNotifierGrain _notifier = null!;
    private IGrainTimer _tick = null!;
    private long _tickAt;
    private int _failedSaves;
    private double _lastStoreMs;

    // What is still to be delivered to the alert grains: new alerts in order, and repeats counted per kind.
    private readonly List<(PlaceAlert Alert, AlertOpening Opening)> _raised = [];
    private readonly Dictionary<SignalKind, int> _repeats = [];
    private IGrainTimer? _deliveryRetry;

    // Durability of alert-grade readings that ingest keeps in its write-ahead log (IngestDurably): the alerts they
    // touched until each says it is stored and indexed, whether the place's snapshot still lacks a new alert, and which
    // activation this is (a token from another activation means the readings may have died with it).
    private readonly long _activation = Random.Shared.NextInt64(1, long.MaxValue);
    private readonly HashSet<string> _unconfirmed = new(StringComparer.Ordinal);
    private bool _noteUnsaved;

    private string PlaceId => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _notifier = GrainFactory.GetGrain<ILiveNotifierGrain>(0);
        _definition = await GrainFactory.GetGrain<ICatalogGrain>(0).Find(PlaceId);
        var saved = state.State;
        _place = new Place(PlaceId, defaults.RulesFor(_definition), PlaceStateMapping.ToMemory(saved), Now);

        // The snapshot's bytes are needed only on their way to and from storage; kept, they doubled a place's memory.
        saved.Core = null;

        // Opening is idempotent: an alert whose own grain never got to store it (a crash right after it was raised)
        // is stored now from the place's snapshot.
        foreach (var alert in _place.OpenAlerts.ToArray())
        {
            if (saved.Unannounced.Contains(alert.AlertId))
            {
                // The activation that raised it was gone (a node died, or Orleans retired it as a duplicate after a
                // death) before the feeds took it: its delivery is this activation's now. Nothing else would announce
                // it, and a feed that started afresh lists only what its index had when it started.
                _raised.Add((alert, AlertOpening.TakenOver));
            }
            else if (await GrainFactory.GetGrain<IAlertGrain>(alert.AlertId).Open(ViewOf(alert, alert.Count), AlertOpening.Restored) == AlertState.Resolved)
            {
                // Resolved, and the place died before it heard (or before its snapshot said so): the alert is over,
                // and the cause may raise a new one.
                _place.AlertResolved(alert.AlertId, Now);
            }
        }

        if (_raised.Count > 0)
        {
            // Before the first tick, which may clear their causes: announced as raised (retried if a feed is away).
            await DeliverAlertsOrRetry();
        }

        _history = new PlaceHistory(PlaceId, historySink);
        _history.Start(_place.Core, saved.HistoryRolledUpTo, Now);

        // The first snapshot comes at a random point of the first interval: places activated together (a restart, a
        // seeded catalogue, every place hearing its first message within seconds) must not all write in the same tick.
        _place.SaveAt(Now + Random.Shared.NextInt64(Math.Max(1, (long)snapshots.Interval.TotalMilliseconds)));

        _tick = this.RegisterGrainTimer(OnTick, new GrainTimerCreationOptions(ticks.Heartbeat, ticks.Heartbeat) { KeepAlive = true });
        _tickAt = Now + (long)ticks.Heartbeat.TotalMilliseconds;
        ScheduleTick(Now);
        HotPathMetrics.PlaceActivated();
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        HotPathMetrics.PlaceDeactivated();
        if (_place.HasUnsavedChanges)
        {
            await TrySave(Now);
        }
    }

    /// <inheritdoc />
    public async ValueTask Ingest(SignalBatch batch) => await Take(batch, AlertOpening.Raised);

    /// <summary>Feeds the batch to the model and carries the effects out. Returns whether it raised an alert.</summary>
    private async ValueTask<bool> Take(SignalBatch batch, AlertOpening opening)
    {
        var now = Now;
        var started = Stopwatch.GetTimestamp();
        foreach (var sample in batch.Samples)
        {
            _place.Read(sample.DeviceId, sample.Kind, sample.Value, sample.Timestamp, now);
            _history.Record(sample.Kind, sample.Value, sample.Timestamp, now);
        }

        var effects = _place.Settle(now);
        _history.ObserveLevel(_place.Core, now);
        foreach (var device in effects.DeviceChanges)
        {
            _history.DeviceChanged(device.DeviceId, device.Online, device.LastSeen);
        }

        var raisedBy = Carry(effects, opening, now);
        ScheduleTick(now);
        if (_raised.Count == 0 && _repeats.Count == 0)
        {
            return false;
        }

        // A new alert is announced by its alert grain, stored before unless ingest's log keeps the reading that raised
        // it. The place's own snapshot follows the announcement instead of going before it: it costs the alert a
        // whole write, and a crash between the two loses only the place's note of the alert, so that one more impulse
        // would open a second alert for the cause. While the database is known to be away nothing waits on it.
        var raised = _raised.Count > 0;
        var delivered = 0L;

        // The alert's writes — the alert grain's in DeliverAlerts, which Orleans' request context reaches, and this
        // place's snapshot — go before queued snapshots.
        StorageHealth.MarkUrgent(raised);
        try
        {
            await DeliverAlertsOrRetry();
            delivered = Stopwatch.GetTimestamp();
            if (raised && !storage.RecentlyFailed)
            {
                await TrySave(now);
            }
        }
        finally
        {
            StorageHealth.MarkUrgent(false);
        }

        if (raised)
        {
            HotPathMetrics.Alert(new AlertStages(
                now - raisedBy,
                Stopwatch.GetElapsedTime(delivered).TotalMilliseconds,
                Stopwatch.GetElapsedTime(started, delivered).TotalMilliseconds,
                _lastStoreMs));
        }

        return raised;
    }

    /// <summary>
    /// Queues what the model opened and repeated for delivery and publishes the status when it is due. Returns the
    /// reading time of the first new alert (0: none).
    /// </summary>
    private long Carry(PlaceEffects effects, AlertOpening opening, long now)
    {
        long raisedBy = 0;
        foreach (var alert in effects.Opened)
        {
            raisedBy = raisedBy == 0 ? alert.LastSeen : raisedBy;
            _raised.Add((alert, opening));
            _noteUnsaved = true;
            LogAlertRaised(logger, alert.AlertId, PlaceId, Summary(alert));
        }

        foreach (var alert in effects.Repeated)
        {
            _repeats[alert.Kind] = _repeats.GetValueOrDefault(alert.Kind) + 1;
        }

        if (effects.StatusDue)
        {
            PublishStatus(now);
        }

        return raisedBy;
    }

    /// <inheritdoc />
    public async ValueTask<long> IngestDurably(SignalBatch batch)
    {
        // An alert raised now is being stored after its announcement: ingest asks again later rather than have this
        // turn wait on the store.
        return await Take(batch, AlertOpening.RaisedFromLog) ? _activation : await Durability();
    }

    /// <inheritdoc />
    public ValueTask<long> AlertsStored(long token) => token == _activation ? Durability() : ValueTask.FromResult(-1L);

    /// <summary>0 when every alert this activation touched is stored and indexed and the snapshot notes the open ones.</summary>
    private async ValueTask<long> Durability()
    {
        if (_raised.Count > 0 || _repeats.Count > 0)
        {
            return _activation;
        }

        foreach (var alertId in _unconfirmed.ToArray())
        {
            if (await GrainFactory.GetGrain<IAlertGrain>(alertId).IsStored())
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
            await TrySave(Now);
        }

        return _noteUnsaved ? _activation : 0;
    }

    /// <inheritdoc />
    public ValueTask DeviceStatusChanged(string deviceId, bool online)
    {
        if (_place.DeviceStatus(deviceId, online, Now))
        {
            _history.DeviceChanged(deviceId, online, Now);
        }

        ScheduleTick(Now);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task Configure(PlaceDefinition definition)
    {
        _definition = definition;
        var now = Now;
        _place.UseRules(defaults.RulesFor(definition), now);
        _history.ObserveLevel(_place.Core, now);
        PublishStatus(now);
        ScheduleTick(now);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<PlaceStatus> GetStatus()
    {
        var now = Now;
        _place.Evaluate(now);
        _history.ObserveLevel(_place.Core, now);
        PublishStatus(now);
        ScheduleTick(now);
        var values = new List<KindValue>(SignalKinds.Count);
        var core = _place.Core;
        var freshMs = (long)core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            // The same values the pushed events carry: only what is fresh enough to describe the place now.
            var (value, at) = core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values.Add(new KindValue(kind, value, DateTimeOffset.FromUnixTimeMilliseconds(at)));
            }
        }

        return ValueTask.FromResult(new PlaceStatus(
            PlaceId,
            core.Level,
            DateTimeOffset.FromUnixTimeMilliseconds(core.LevelSince),
            core.LastHeardAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(core.LastHeardAt),
            [.. values],
            [.. _place.OpenAlerts.Select(OpenAlertOf)],
            [.. _place.Devices().Select(PlaceStateMapping.DeviceInfoOf)],
            [.. _place.RecentAlerts.Select(c => new ClosedAlert(OpenAlertOf(c.Alert), DateTimeOffset.FromUnixTimeMilliseconds(c.ClosedAt)))],
            state.State.LastGuardVisit,
            state.State.LastStaffVisit,
            [.. _place.Snoozes.Select(PlaceStateMapping.SnoozeOf)],
            PlaceStateMapping.FocusOf(_place.Focus)));
    }

    private async Task OnTick()
    {
        _tickAt = Now + (long)ticks.Heartbeat.TotalMilliseconds;
        try
        {
            await Tick(Now);
        }
        finally
        {
            // Also when a call in the tick failed: what is due must not wait for the heartbeat.
            ScheduleTick(Now);
        }
    }

    private async Task Tick(long now)
    {
        var effects = _place.Tick(now);
        _history.ObserveLevel(_place.Core, now);
        if (_history.RollUp(_place.Core, now))
        {
            _place.Changed();
        }

        // Causes close with time too; their alerts stay open until someone resolves them.
        foreach (var alert in effects.CausesCleared.ToArray())
        {
            await GrainFactory.GetGrain<IAlertGrain>(alert.AlertId).CauseCleared(DateTimeOffset.FromUnixTimeMilliseconds(now));
        }

        PublishStatus(now);
        if (_place.IsSnapshotDue(now))
        {
            if (storage.Congested)
            {
                _place.SaveAt(now + Random.Shared.NextInt64(Math.Max(1, (long)snapshots.Interval.TotalMilliseconds)));
            }
            else
            {
                await TrySave(now);
            }
        }
    }

    /// <summary>
    /// Wakes the tick for the first thing that is due, if that is sooner than it would wake anyway. Called at the end
    /// of every turn that can change what is due; the heartbeat bounds the sleep.
    /// </summary>
    private void ScheduleTick(long now)
    {
        var due = Math.Min(_place.NextWakeAt(now), _history.NextRollUpAt);
        if (due >= _tickAt && _tickAt > now)
        {
            return;
        }

        var delay = Math.Clamp(due - now, MinTickDelayMs, (long)ticks.Heartbeat.TotalMilliseconds);
        _tick.Change(TimeSpan.FromMilliseconds(delay), ticks.Heartbeat);
        _tickAt = now + delay;
    }

    /// <summary>
    /// Snapshots the place. A failure (the database is down) is logged and retried with a growing delay while the
    /// place keeps working from memory; nothing is dropped, the next save carries everything.
    /// </summary>
    private async Task<bool> TrySave(long now)
    {
        try
        {
            PlaceStateMapping.Store(state.State, _place.Remember(), _history.RolledUpTo, OpenAlertOf);
            state.State.Unannounced = Unannounced();
            await state.WriteStateAsync();
            state.State.Core = null;
            _noteUnsaved = false;
            _failedSaves = 0;
            _place.Saved(now + (long)snapshots.Interval.TotalMilliseconds);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            state.State.Core = null;
            storage.Failed();
            _failedSaves++;
            var delay = Math.Min(MaxRetryDelay.TotalMilliseconds, 1000 * Math.Pow(2, Math.Min(_failedSaves, 10)));
            _place.SaveAt(now + (long)delay);
            LogSaveFailed(logger, ex, PlaceId, _failedSaves);
            return false;
        }
    }

    /// <summary>The open alerts still waiting for their announcement, for the snapshot.</summary>
    private List<string> Unannounced()
    {
        var ids = new List<string>(_raised.Count);
        foreach (var (alert, _) in _raised)
        {
            if (_place.OpenAlerts.Any(open => open.AlertId == alert.AlertId))
            {
                ids.Add(alert.AlertId);
            }
        }

        return ids;
    }

    /// <summary>
    /// Hands the new alerts and repeats to their alert grains, new ones first, and announces the new ones. What cannot
    /// be delivered now (an alert grain or a feed on a node that just died) is tried again every half second until it
    /// is: the level already says alert, and the people must hear why.
    /// </summary>
    private async Task DeliverAlertsOrRetry()
    {
        try
        {
            await DeliverAlerts();
            _deliveryRetry?.Dispose();
            _deliveryRetry = null;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogDeliveryFailed(logger, ex, PlaceId);
            _deliveryRetry ??= this.RegisterGrainTimer(DeliverAlertsOrRetry, new GrainTimerCreationOptions(DeliveryRetryEvery, DeliveryRetryEvery) { KeepAlive = true });
        }
    }

    /// <summary>Delivers one step at a time and forgets each once done, so a retry repeats nothing that was delivered.</summary>
    private async Task DeliverAlerts()
    {
        while (_raised.Count > 0)
        {
            // A new alert counts its first occurrence when it opens; the batch's other occurrences are repeats. Its
            // grain announces it to every audience's feed, and is awaited: a lost alert is worse than a late one.
            var (alert, opening) = _raised[0];
            var view = ViewOf(alert, count: 1);
            var opened = Stopwatch.GetTimestamp();
            var stored = await GrainFactory.GetGrain<IAlertGrain>(view.AlertId).Open(view, opening);
            _lastStoreMs = Stopwatch.GetElapsedTime(opened).TotalMilliseconds;
            LogOpened(logger, view.AlertId, stored);
            _unconfirmed.Add(view.AlertId);
            if (stored == AlertState.Resolved && _place.AlertResolved(view.AlertId, Now))
            {
                // The reading that raised this alert came again after someone resolved it (an edge device resending
                // it, a broker redelivering it): it is that alert, and it is over.
                PublishStatus(Now);
            }

            _raised.RemoveAt(0);

            // The snapshot's note of it as unannounced goes with the next save.
            _place.Changed();
        }

        foreach (var (kind, count) in _repeats.ToArray())
        {
            if (_place.OpenAlerts.FirstOrDefault(a => a.Kind == kind) is { } open)
            {
                await GrainFactory.GetGrain<IAlertGrain>(open.AlertId).Repeat(count, DateTimeOffset.FromUnixTimeMilliseconds(open.LastSeen), open.Severity);
                _unconfirmed.Add(open.AlertId);
            }

            _repeats.Remove(kind);
        }
    }

    /// <summary>The alert grain's first view of one of this place's alerts.</summary>
    private AlertView ViewOf(PlaceAlert alert, int count) => new(
        alert.AlertId, PlaceId, alert.Kind, alert.Severity, AlertState.Raised, DateTimeOffset.FromUnixTimeMilliseconds(alert.RaisedAt),
        DateTimeOffset.FromUnixTimeMilliseconds(alert.LastSeen), count, Summary(alert), CauseCleared: false, Guard: null, Outcome: null,
        Note: null, Area: _definition?.Area, Value: alert.Value, DeviceId: alert.DeviceId);

    private OpenAlert OpenAlertOf(PlaceAlert alert) => PlaceStateMapping.OpenAlertOf(alert, Summary(alert));

    private string Summary(PlaceAlert alert) => AlertSummaries.For(alert.Kind, alert.Value ?? 0, _definition?.Name ?? PlaceId);

    /// <inheritdoc />
    public async Task SnoozeCause(SignalKind kind, TimeSpan duration, Actor actor, string why)
    {
        var now = Now;
        _place.Snooze(kind, duration > TimeSpan.Zero ? now + (long)duration.TotalMilliseconds : now, actor.Name, why, now);
        await SaveNow();
    }

    /// <inheritdoc />
    public async Task SetFocus(TimeSpan duration, Actor actor, string why)
    {
        var now = Now;
        _place.SetFocus(duration > TimeSpan.Zero ? new PlaceFocus(now + (long)duration.TotalMilliseconds, actor.Name, why) : null, now);
        _history.ObserveLevel(_place.Core, now);
        await SaveNow();
    }

    /// <summary>
    /// Saves a change someone is waiting for. The change holds in memory either way and later saves retry it; when
    /// this save fails the caller hears so, because an answer of success promises the change survives a crash.
    /// </summary>
    private async Task SaveNow()
    {
        _place.Changed();
        var saved = await TrySave(Now);
        PublishStatus(Now);
        ScheduleTick(Now);
        if (!saved)
        {
            throw new StorageUnavailableException($"The change at {PlaceId} holds, but could not be stored yet: the database is unavailable.");
        }
    }

    /// <inheritdoc />
    public async Task CheckIn(Role role)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(Now);
        if (role == Role.Staff)
        {
            state.State.LastStaffVisit = at;
        }
        else
        {
            state.State.LastGuardVisit = at;
        }

        // A visit is stored at once: taking back the square must show on the board after a restart too.
        await SaveNow();
    }

    /// <inheritdoc />
    public Task AlertResolved(string alertId)
    {
        if (_place.AlertResolved(alertId, Now))
        {
            PublishStatus(Now);
        }

        ScheduleTick(Now);
        return Task.CompletedTask;
    }

    /// <summary>Sends the place's level and fresh values to the notifier when something changed since the last time.</summary>
    private void PublishStatus(long now)
    {
        if (!_place.HasUnpublishedChanges)
        {
            return;
        }

        _place.Published(now);
        var core = _place.Core;
        var values = new Dictionary<string, double>(SignalKinds.Count);
        var freshMs = (long)core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            var (value, at) = core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values[kind.Name()] = value;
            }
        }

        DateTimeOffset? updatedAt = core.LastHeardAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(core.LastHeardAt);
        _notifier.StatusChanged(new PlaceStatusChanged(PlaceId, core.Level, values, updatedAt)).Ignore();
    }

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} raised at {PlaceId}: {Summary}")]
    private static partial void LogAlertRaised(ILogger logger, string alertId, string placeId, string summary);

    [LoggerMessage(LogLevel.Debug, "Opened alert {AlertId}: {State}")]
    private static partial void LogOpened(ILogger logger, string alertId, AlertState state);

    [LoggerMessage(LogLevel.Warning, "Could not deliver the alerts of {PlaceId} yet; retrying every second")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string placeId);

    [LoggerMessage(LogLevel.Warning, "Could not save place {PlaceId} (attempt {Attempt}); retrying with backoff")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string placeId, int attempt);
}
