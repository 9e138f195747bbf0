using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>
/// One activation per place, the only writer of its live state. It feeds batches to the core, opens alerts for new
/// causes and tells the notifier what changed. Its tick moves what changes with time alone (silence → unknown, a
/// cause's hold running out, a minute's rollup, a snapshot); it sleeps until the first of those is due, so that
/// 100,000 quiet places are not 100,000 turns a second.
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

    private const long MinTickDelayMs = 10;
    private static readonly TimeSpan DeliveryRetryEvery = TimeSpan.FromMilliseconds(500);
    private const long ValuesEveryMs = 250;

    // Values a batch left unpublished go out within a second. Sooner would make a busy place's tick race its own
    // batches: at 250 ms the tick published, the next batch found it just done and left its values for the tick again,
    // four timer turns a second per place where one (the old once-a-second tick) did.
    private const long LeftoverValuesWithinMs = 1000;

    /// <summary>Thresholds of a place in focus are this share of their usual value.</summary>
    public const double FocusFactor = 0.7;

    /// <summary>How many closed alerts a place keeps as its recent history.</summary>
    public const int RecentAlertCount = 20;

    // A device's last word, updated in place for every sample: a struct without references in a long-lived
    // dictionary costs the collector nothing, where a new DeviceInfo a second per device was promoted garbage.
    private readonly Dictionary<string, DeviceSeen> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<SignalKind, OpenAlert> _alerts = [];
    private readonly List<AlertView> _raised = [];
    private IGrainTimer? _deliveryRetry;
    private IGrainTimer _tick = null!;
    private long _tickAt;
    private readonly Dictionary<SignalKind, int> _repeats = [];
    private readonly HashSet<SignalKind> _causeCleared = [];
    private readonly List<ClosedAlert> _recent = [];
    private PlaceAggregator _core = null!;
    private PlaceHistory _history = null!;
    private PlaceDefinition? _definition;
    private ILiveNotifierGrain _notifier = null!;
    private bool _dirty;
    private bool _unsaved;
    private long _nextSaveAt;
    private int _failedSaves;
    private long _publishedAt;
    private double _lastStoreMs;

    // Durability of alert-grade readings that ingest keeps in its write-ahead log (IngestDurably): the alerts they
    // touched until each says it is stored and indexed, whether the place's snapshot still lacks a new alert, and which
    // activation this is (a token from another activation means the readings may have died with it).
    private readonly long _activation = Random.Shared.NextInt64(1, long.MaxValue);
    private readonly HashSet<string> _unconfirmed = new(StringComparer.Ordinal);
    private readonly HashSet<string> _announcedEarly = new(StringComparer.Ordinal);
    private bool _noteUnsaved;

    private string PlaceId => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _notifier = GrainFactory.GetGrain<ILiveNotifierGrain>(0);
        _definition = await GrainFactory.GetGrain<ICatalogGrain>(0).Find(PlaceId);
        var rules = RulesFor(_definition);
        var saved = state.State;
        _core = saved.Core is { } snapshot ? PlaceAggregator.FromSnapshot(snapshot, rules, Now) : new PlaceAggregator(rules, Now);

        // The snapshot's bytes are needed only on their way to and from storage; kept, they doubled a place's memory.
        saved.Core = null;
        foreach (var alert in saved.OpenAlerts)
        {
            _alerts[alert.Kind] = alert;
        }

        foreach (var device in saved.Devices)
        {
            _devices[device.DeviceId] = new DeviceSeen(device.Online, device.LastSeen.ToUnixTimeMilliseconds());
        }

        _recent.AddRange(saved.RecentAlerts);

        // Opening is idempotent: an alert whose own grain never got to store it (a crash right after it was raised)
        // is stored now from the place's snapshot.
        foreach (var alert in saved.OpenAlerts)
        {
            if (await GrainFactory.GetGrain<IAlertGrain>(alert.AlertId).Open(ViewOf(alert, alert.Count)) == AlertState.Resolved)
            {
                // Resolved, and the place died before it heard (or before its snapshot said so): the alert is over,
                // and the cause may raise a new one.
                _alerts.Remove(alert.Kind);
                Close(alert, Now);
                _unsaved = true;
            }
            else if (saved.Unannounced.Contains(alert.AlertId))
            {
                // Stored, but the activation that raised it was gone (a node died, or Orleans retired it as a duplicate
                // after a death) before the feeds took it: its delivery is this activation's now. Nothing else would
                // announce it, and a feed that started afresh lists only what its index had when it started.
                _raised.Add(ViewOf(alert, alert.Count));
            }
        }

        if (_raised.Count > 0)
        {
            _deliveryRetry = this.RegisterGrainTimer(DeliverAlertsOrRetry, new GrainTimerCreationOptions(TimeSpan.Zero, DeliveryRetryEvery) { KeepAlive = true });
        }

        _history = new PlaceHistory(PlaceId, historySink);
        _history.Start(_core, saved.HistoryRolledUpTo, Now);

        // The first snapshot comes at a random point of the first interval: places activated together (a restart, a
        // seeded catalogue, every place hearing its first message within seconds) must not all write in the same tick.
        // With 100,000 places that was 100,000 writes at once, each holding a thread while SQLite serialised them.
        _nextSaveAt = Now + Random.Shared.NextInt64(Math.Max(1, (long)snapshots.Interval.TotalMilliseconds));

        _tick = this.RegisterGrainTimer(OnTick, new GrainTimerCreationOptions(ticks.Heartbeat, ticks.Heartbeat) { KeepAlive = true });
        _tickAt = Now + (long)ticks.Heartbeat.TotalMilliseconds;
        ScheduleTick(Now);
        HotPathMetrics.PlaceActivated();
    }

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        HotPathMetrics.PlaceDeactivated();
        if (_unsaved)
        {
            await TrySave(Now);
        }
    }

    /// <inheritdoc />
    public async ValueTask Ingest(SignalBatch batch)
    {
        var now = Now;
        var started = Stopwatch.GetTimestamp();
        long raisedBy = 0;
        foreach (var sample in batch.Samples)
        {
            if (_core.Record(sample.Kind, sample.Value, sample.Timestamp, now) is var outcome && outcome != CauseOutcome.None)
            {
                OnCause(in sample);
                if (outcome == CauseOutcome.Raised && raisedBy == 0)
                {
                    raisedBy = sample.Timestamp;
                }
            }

            Seen(sample.DeviceId, online: true, now);
        }

        // Values alone go out at most every ValuesEvery (the notifier coalesces to 250 ms anyway); a new level or an
        // alert goes out at once. Under load this spares one notifier call per batch; the tick sends what is left.
        var levelChanged = Evaluate(now);
        _dirty = true;
        if (levelChanged || _raised.Count > 0 || now - _publishedAt >= ValuesEveryMs)
        {
            PublishStatus();
        }

        _unsaved = true;
        ScheduleTick(now);
        if (_raised.Count > 0 || _repeats.Count > 0)
        {
            // A new alert is stored by its alert grain before it is announced, so that it survives a crash a moment
            // later. The place's own snapshot follows the announcement instead of going before it: it costs the alert a
            // whole write (a 15 KB row, behind whatever write the database is busy with) and a crash between the two
            // loses only the place's note of the alert, so that one more impulse would open a second alert for the cause.
            // While the database is known to be away nothing waits on it.
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
        }
    }

    /// <inheritdoc />
    public async ValueTask<long> IngestDurably(SignalBatch batch)
    {
        await Ingest(batch);
        return await Durability();
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
        Seen(deviceId, online, Now);
        _unsaved = true;
        ScheduleTick(Now);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task Configure(PlaceDefinition definition)
    {
        _definition = definition;
        _core.UseRules(RulesFor(definition));
        Evaluate(Now);
        PublishStatus();
        ScheduleTick(Now);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<PlaceStatus> GetStatus()
    {
        var now = Now;
        Evaluate(now);
        PublishStatus();
        ScheduleTick(now);
        var values = new List<KindValue>(SignalKinds.Count);
        var freshMs = (long)_core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            // The same values the pushed events carry: only what is fresh enough to describe the place now.
            var (value, at) = _core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values.Add(new KindValue(kind, value, DateTimeOffset.FromUnixTimeMilliseconds(at)));
            }
        }

        return ValueTask.FromResult(new PlaceStatus(
            PlaceId,
            _core.Level,
            DateTimeOffset.FromUnixTimeMilliseconds(_core.LevelSince),
            _core.LastHeardAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_core.LastHeardAt),
            [.. values],
            [.. _alerts.Values],
            Devices(),
            [.. _recent],
            state.State.LastGuardVisit,
            state.State.LastStaffVisit,
            [.. state.State.Snoozes],
            state.State.Focus));
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
        ExpireOperatorSettings();
        Evaluate(now);
        if (_history.RollUp(_core, now))
        {
            _unsaved = true;
        }

        // Causes close with time too; their alerts stay open until someone resolves them.
        foreach (var (kind, alert) in _alerts)
        {
            if (!_core.Cause(kind).IsOpen && _causeCleared.Add(kind))
            {
                await GrainFactory.GetGrain<IAlertGrain>(alert.AlertId).CauseCleared(DateTimeOffset.FromUnixTimeMilliseconds(now));
            }
        }

        PublishStatus();
        if (_unsaved && now >= _nextSaveAt)
        {
            if (storage.Congested)
            {
                _nextSaveAt = now + Random.Shared.NextInt64(Math.Max(1, (long)snapshots.Interval.TotalMilliseconds));
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
        var due = NextDue(now);
        if (due >= _tickAt && _tickAt > now)
        {
            return;
        }

        var delay = Math.Clamp(due - now, MinTickDelayMs, (long)ticks.Heartbeat.TotalMilliseconds);
        _tick.Change(TimeSpan.FromMilliseconds(delay), ticks.Heartbeat);
        _tickAt = now + delay;
    }

    /// <summary>The first moment the tick has work: a level or cause change, a rollup, a status, a snapshot, an expiry.</summary>
    private long NextDue(long now)
    {
        var due = Math.Min(_core.NextChangeAt(now), _history.NextRollUpAt);
        if (_dirty)
        {
            due = Math.Min(due, _publishedAt + LeftoverValuesWithinMs);
        }

        if (_unsaved)
        {
            due = Math.Min(due, _nextSaveAt);
        }

        foreach (var snooze in state.State.Snoozes)
        {
            due = Math.Min(due, snooze.Until.ToUnixTimeMilliseconds());
        }

        if (state.State.Focus is { } focus)
        {
            due = Math.Min(due, focus.Until.ToUnixTimeMilliseconds());
        }

        foreach (var kind in _alerts.Keys)
        {
            if (!_core.Cause(kind).IsOpen && !_causeCleared.Contains(kind))
            {
                // A cause closed in a turn other than the tick: its alert hears of it at once.
                return now;
            }
        }

        return due;
    }

    /// <summary>
    /// Snapshots the place. A failure (the database is down) is logged and retried with a growing delay while the
    /// place keeps working from memory; nothing is dropped, the next save carries everything.
    /// </summary>
    private async Task<bool> TrySave(long now)
    {
        try
        {
            state.State.Core = _core.ToSnapshot();
            state.State.OpenAlerts = [.. _alerts.Values];
            state.State.Devices = [.. Devices()];
            state.State.HistoryRolledUpTo = _history.RolledUpTo;
            state.State.RecentAlerts = [.. _recent];
            state.State.Unannounced = Unannounced();
            await state.WriteStateAsync();
            state.State.Core = null;
            _unsaved = false;
            _noteUnsaved = false;
            _failedSaves = 0;
            _nextSaveAt = now + (long)snapshots.Interval.TotalMilliseconds;
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            state.State.Core = null;
            storage.Failed();
            _failedSaves++;
            var delay = Math.Min(MaxRetryDelay.TotalMilliseconds, 1000 * Math.Pow(2, Math.Min(_failedSaves, 10)));
            _nextSaveAt = now + (long)delay;
            LogSaveFailed(logger, ex, PlaceId, _failedSaves);
            return false;
        }
    }

    /// <summary>The open alerts still waiting for their announcement, for the snapshot.</summary>
    private List<string> Unannounced()
    {
        var ids = new List<string>(_raised.Count);
        foreach (var view in _raised)
        {
            if (_alerts.TryGetValue(view.Kind, out var open) && open.AlertId == view.AlertId)
            {
                ids.Add(view.AlertId);
            }
        }

        return ids;
    }

    [LoggerMessage(LogLevel.Warning, "Could not save place {PlaceId} (attempt {Attempt}); retrying with backoff")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string placeId, int attempt);

    /// <summary>Moves an alert whose cause cleared into the place's recent history.</summary>
    private void Close(OpenAlert alert, long now)
    {
        _recent.Insert(0, new ClosedAlert(alert, DateTimeOffset.FromUnixTimeMilliseconds(now)));
        if (_recent.Count > RecentAlertCount)
        {
            _recent.RemoveAt(_recent.Count - 1);
        }
    }

    /// <summary>Brings the level up to now; a change is recorded in history, pushed and saved. Returns true on a change.</summary>
    private bool Evaluate(long now)
    {
        if (!_core.Evaluate(now))
        {
            return false;
        }

        _history.ObserveLevel(_core, now);
        _dirty = true;
        _unsaved = true;
        return true;
    }

    /// <summary>
    /// An alert-grade reading. While the kind's alert is unresolved every occurrence — a repeat, or the cause coming
    /// back after it cleared — updates that alert; only a resolved alert lets the cause raise a new one.
    /// </summary>
    private void OnCause(in SignalSample sample)
    {
        var kind = sample.Kind;
        ref readonly var cause = ref _core.Cause(kind);
        var lastSeen = DateTimeOffset.FromUnixTimeMilliseconds(cause.LastSeen);
        if (_alerts.TryGetValue(kind, out var open))
        {
            _alerts[kind] = open with { LastSeen = lastSeen, Count = open.Count + 1, Severity = Math.Max(open.Severity, cause.Severity) };
            _repeats[kind] = _repeats.GetValueOrDefault(kind) + 1;
            _causeCleared.Remove(kind);
            return;
        }

        if (IsSnoozed(kind))
        {
            // Snoozed: the level still tells the truth, but no new alert calls people out.
            return;
        }

        var raisedAt = DateTimeOffset.FromUnixTimeMilliseconds(cause.OpenedAt);
        var alert = new OpenAlert(
            AlertIds.For(PlaceId, sample.DeviceId, kind, sample.Timestamp),
            kind,
            cause.Severity,
            raisedAt,
            lastSeen,
            1,
            AlertSummaries.For(kind, cause.Value, _definition?.Name ?? PlaceId),
            cause.Value);
        _alerts[kind] = alert;
        _noteUnsaved = true;
        LogAlertRaised(logger, alert.AlertId, PlaceId, alert.Summary);
        _raised.Add(ViewOf(alert, count: 1));
    }

    /// <summary>
    /// Hands the batch's new alerts and repeats to their alert grains, new ones first, and announces the new ones. What
    /// cannot be delivered now (an alert grain or a feed on a node that just died) is tried again every half second until it
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
            // A new alert counts its first occurrence when it opens; the batch's other occurrences are repeats. It goes
            // out at once, to every audience's feed, and is awaited: a lost alert is worse than a late one.
            var view = _raised[0];
            var opening = Stopwatch.GetTimestamp();
            AlertState state;
            try
            {
                state = await GrainFactory.GetGrain<IAlertGrain>(view.AlertId).Open(view);
            }
            catch (Exception ex) when (ex is not OperationCanceledException && !_announcedEarly.Contains(view.AlertId))
            {
                // The alert grain cannot even start (the database is away: it reads its state first). The reading is
                // durable on the node that took it (ingest's log, replayed after a crash), so people hear of it now;
                // it is stored when the database is back (the retry opens it again; the feeds number an id once).
                // Noted as announced only once the feeds took it: a feed on a node that just died did not.
                await AlertFeeds.Publish(GrainFactory, view, raised: true);
                _announcedEarly.Add(view.AlertId);
                throw StorageUnavailableException.From(ex);
            }

            _lastStoreMs = Stopwatch.GetElapsedTime(opening).TotalMilliseconds;
            LogOpened(logger, view.AlertId, state);
            _unconfirmed.Add(view.AlertId);
            if (state == AlertState.Raised)
            {
                // New, or stored by a node that died before announcing it: announced (the feeds number an id once).
                await AlertFeeds.Publish(GrainFactory, view, raised: true);
            }
            else if (state == AlertState.Resolved && _alerts.TryGetValue(view.Kind, out var open) && open.AlertId == view.AlertId)
            {
                // The reading that raised this alert came again after someone resolved it (an edge device resending
                // it, a broker redelivering it): it is that alert, and it is over.
                _alerts.Remove(view.Kind);
                _dirty = true;
            }

            // In any other state people are already on it: it was announced, and the place now knows it again.

            _announcedEarly.Remove(view.AlertId);
            _raised.RemoveAt(0);

            // The snapshot's note of it as unannounced goes with the next save.
            _unsaved = true;
        }

        foreach (var (kind, count) in _repeats.ToArray())
        {
            if (_alerts.TryGetValue(kind, out var open))
            {
                await GrainFactory.GetGrain<IAlertGrain>(open.AlertId).Repeat(count, open.LastSeen, open.Severity);
                _unconfirmed.Add(open.AlertId);
            }

            _repeats.Remove(kind);
        }
    }

    /// <summary>The alert grain's first view of one of this place's alerts.</summary>
    private AlertView ViewOf(OpenAlert alert, int count) => new(
        alert.AlertId, PlaceId, alert.Kind, alert.Severity, AlertState.Raised, alert.RaisedAt, alert.LastSeen, count,
        alert.Summary, CauseCleared: false, Guard: null, Outcome: null, Note: null, Area: _definition?.Area, Value: alert.Value);

    /// <inheritdoc />
    public async Task SnoozeCause(SignalKind kind, TimeSpan duration, Actor actor, string why)
    {
        state.State.Snoozes.RemoveAll(s => s.Kind == kind);
        if (duration > TimeSpan.Zero)
        {
            state.State.Snoozes.Add(new Snooze(kind, clock.GetUtcNow() + duration, actor.Name, why));
        }

        await SaveNow();
    }

    /// <inheritdoc />
    public async Task SetFocus(TimeSpan duration, Actor actor, string why)
    {
        state.State.Focus = duration > TimeSpan.Zero ? new Focus(clock.GetUtcNow() + duration, actor.Name, why) : null;
        _core.UseRules(RulesFor(_definition));
        Evaluate(Now);
        await SaveNow();
    }

    private bool IsSnoozed(SignalKind kind)
    {
        var now = clock.GetUtcNow();
        foreach (var snooze in state.State.Snoozes)
        {
            if (snooze.Kind == kind && snooze.Until > now)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Snoozes and focus end by themselves.</summary>
    private void ExpireOperatorSettings()
    {
        var now = clock.GetUtcNow();
        if (state.State.Snoozes.Count > 0 && state.State.Snoozes.RemoveAll(s => s.Until <= now) > 0)
        {
            _dirty = true;
            _unsaved = true;
        }

        if (state.State.Focus is { } focus && focus.Until <= now)
        {
            state.State.Focus = null;
            _core.UseRules(RulesFor(_definition));
            _dirty = true;
            _unsaved = true;
        }
    }

    /// <summary>Stores an operator's change at once and shows it.</summary>
    /// <summary>
    /// Saves a change someone is waiting for. The change holds in memory either way and later saves retry it; when
    /// this save fails the caller hears so, because an answer of success promises the change survives a crash.
    /// </summary>
    private async Task SaveNow()
    {
        _nextSaveAt = 0;
        var saved = await TrySave(Now);
        _dirty = true;
        PublishStatus();
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
        foreach (var (kind, alert) in _alerts)
        {
            if (alert.AlertId == alertId)
            {
                _alerts.Remove(kind);
                _causeCleared.Remove(kind);
                Close(alert, Now);
                _dirty = true;
                _unsaved = true;
                PublishStatus();
            }
        }

        ScheduleTick(Now);
        return Task.CompletedTask;
    }

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} raised at {PlaceId}: {Summary}")]
    private static partial void LogAlertRaised(ILogger logger, string alertId, string placeId, string summary);

    [LoggerMessage(LogLevel.Debug, "Opened alert {AlertId}: {State}")]
    private static partial void LogOpened(ILogger logger, string alertId, AlertState state);

    [LoggerMessage(LogLevel.Warning, "Could not deliver the alerts of {PlaceId} yet; retrying every second")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string placeId);

    private void Seen(string deviceId, bool online, long now)
    {
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(_devices, deviceId, out _);
        seen = new DeviceSeen(online, now);
    }

    private DeviceInfo[] Devices()
    {
        var devices = new DeviceInfo[_devices.Count];
        var i = 0;
        foreach (var (id, seen) in _devices)
        {
            devices[i++] = new DeviceInfo(id, seen.Online, DateTimeOffset.FromUnixTimeMilliseconds(seen.LastSeen));
        }

        return devices;
    }

    private readonly record struct DeviceSeen(bool Online, long LastSeen);

    private void PublishStatus()
    {
        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        var values = new Dictionary<string, double>(SignalKinds.Count);
        var now = Now;
        _publishedAt = now;
        var freshMs = (long)_core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            var (value, at) = _core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values[kind.Name()] = value;
            }
        }

        DateTimeOffset? updatedAt = _core.LastHeardAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_core.LastHeardAt);
        _notifier.StatusChanged(new PlaceStatusChanged(PlaceId, _core.Level, values, updatedAt)).Ignore();
    }

    private PlaceRules RulesFor(PlaceDefinition? definition)
    {
        var rules = defaults.Rules;
        if (definition is null)
        {
            return rules;
        }

        // In focus a place is watched more closely: thresholds at FocusFactor of their value and half the dwell.
        var t = definition.Thresholds;
        var f = state.State.Focus is { } focus && focus.Until > clock.GetUtcNow() ? FocusFactor : 1.0;
        return rules with
        {
            MotionThreshold = t.Motion * f,
            PeopleThreshold = t.People * f,
            LoiterThreshold = t.Loiter * f,
            SoundThreshold = t.Sound * f,
            Dwell = TimeSpan.FromSeconds(t.DwellSeconds * (f < 1 ? 0.5 : 1)),
        };
    }

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
