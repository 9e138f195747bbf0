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
/// new alerts and repeats to their alert grains (<see cref="PlaceAlertDelivery"/>), causes cleared, statuses to the
/// notifier, snapshots to storage (with backoff while the database is away), rollups to history. Its timer sleeps
/// until the model's next wake-up, so that 100,000 quiet places are not 100,000 turns a second.
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

    private Place _place = null!;
    private PlaceHistory _history = null!;
    private PlaceDefinition? _definition;
    private ILiveNotifierGrain _notifier = null!;
    private IGrainTimer _tick = null!;
    private long _tickAt;
    private int _failedSaves;
    private PlaceAlertDelivery _alerts = null!;

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
        _alerts = new PlaceAlertDelivery(this, PlaceId, GrainFactory, _place, ViewOf, () => PublishStatus(Now), () => TrySave(Now), storage, clock, logger);
        await _alerts.Restore(saved.Unannounced, Now);

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

        var raisedBy = _alerts.Queue(effects, opening);
        if (effects.StatusDue)
        {
            PublishStatus(now);
        }

        ScheduleTick(now);
        if (!_alerts.Pending)
        {
            return false;
        }

        // A new alert is announced by its alert grain, stored before unless ingest's log keeps the reading that raised
        // it. The place's own snapshot follows the announcement instead of going before it: it costs the alert a
        // whole write, and a crash between the two loses only the place's note of the alert, so that one more impulse
        // would open a second alert for the cause. While the database is known to be away nothing waits on it.
        var raised = _alerts.RaisedPending;
        await _alerts.DeliverOrRetry();
        var delivered = Stopwatch.GetTimestamp();
        if (raised && !storage.RecentlyFailed)
        {
            await TrySave(now);
        }

        if (raised)
        {
            HotPathMetrics.Alert(new AlertStages(
                now - raisedBy,
                Stopwatch.GetElapsedTime(delivered).TotalMilliseconds,
                Stopwatch.GetElapsedTime(started, delivered).TotalMilliseconds,
                _alerts.LastOpenMs));
        }

        return raised;
    }

    /// <inheritdoc />
    public async ValueTask<long> IngestDurably(SignalBatch batch) => await _alerts.Durability(await Take(batch, AlertOpening.RaisedFromLog));

    /// <inheritdoc />
    public ValueTask<long> AlertsStored(long token) => _alerts.AlertsStored(token);

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
        return ValueTask.FromResult(PlaceStateMapping.StatusOf(_place, PlaceId, state.State, OpenAlertOf, now));
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

        await _alerts.CausesCleared(effects.CausesCleared, now);
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
            state.State.Unannounced = _alerts.Unannounced();
            await state.WriteStateAsync();
            state.State.Core = null;
            _alerts.NoteSaved();
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
        _notifier.StatusChanged(PlaceStateMapping.StatusChangedOf(_place, PlaceId, now)).Ignore();
    }

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();

    [LoggerMessage(LogLevel.Warning, "Could not save place {PlaceId} (attempt {Attempt}); retrying with backoff")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string placeId, int attempt);
}
