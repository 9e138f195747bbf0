using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The stored form of an alert.</summary>
[GenerateSerializer, Alias("pax.AlertState")]
public sealed class AlertGrainState
{
    /// <summary>The alert; null until opened.</summary>
    [Id(0)]
    public AlertView? View { get; set; }

    /// <summary>The audit trail.</summary>
    [Id(1)]
    public List<AuditEntry> Audit { get; set; } = [];
}

/// <summary>
/// One alert, the only writer of its lifecycle. Every change is stored before it is answered or announced; the
/// alert's place hears when it is resolved.
/// </summary>
public sealed partial class AlertGrain(
    [PersistentState(AlertGrain.StateName, PaxStorage.Name)] IPersistentState<AlertGrainState> state,
    [FromKeyedServices(PaxClock.Key)] TimeProvider clock,
    StorageHealth storage,
    EscalationOptions escalation,
    IHistorySink history,
    IAlertPushSink push,
    ILogger<AlertGrain> logger) : Grain, IAlertGrain
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan EscalationCheckEvery = TimeSpan.FromSeconds(5);

    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "alert";

    private AlertLifecycle? _lifecycle;
    private IGrainTimer? _retry;
    private IGrainTimer? _escalationTimer;
    private AlertView? _storedView;
    private bool _unsaved;
    private bool _indexed;
    private bool _indexFailed;
    private Task _indexing = Task.CompletedTask;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.View is { } view)
        {
            _lifecycle = AlertLifecycle.Restore(view, state.State.Audit);
            _storedView = view;
            WatchForEscalation();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<AlertState> Open(AlertView alert)
    {
        if (_lifecycle is not null)
        {
            // Stored already (a reading replayed from ingest's log, a place re-opening what its snapshot holds): the
            // queue must list it too, whatever happened between the two writes.
            if (!_unsaved && !_indexed)
            {
                await Index();
            }

            return _lifecycle.View.State;
        }

        _lifecycle = AlertLifecycle.Raise(alert, alert.RaisedAt);
        await SaveSystemChange(announce: false);
        HotPathMetrics.AlertEntered(AlertTransition.Raised);
        WatchForEscalation();
        return _lifecycle.View.State;
    }

    /// <inheritdoc />
    public async Task Repeat(int count, DateTimeOffset lastSeen, int severity)
    {
        if (_lifecycle is null)
        {
            return;
        }

        _lifecycle.Repeat(count, lastSeen, severity);
        await SaveSystemChange(announce: false);
    }

    /// <inheritdoc />
    public async Task CauseCleared(DateTimeOffset at)
    {
        if (_lifecycle is null)
        {
            return;
        }

        var before = _lifecycle.View.State;
        _lifecycle.CauseCleared(at);
        await SaveSystemChange(announce: _lifecycle.View.State != before);
    }

    /// <inheritdoc />
    public Task<AlertView> Acknowledge(Actor actor) => Act(AlertTransition.Acknowledged, l => l.Acknowledge(actor, Now));

    /// <inheritdoc />
    public async Task<AlertView> Dispatch(Actor actor, string guard)
    {
        var view = await Act(AlertTransition.Dispatched, l => l.Dispatch(actor, guard, Now));
        push.Dispatched(view);
        return view;
    }

    /// <inheritdoc />
    public Task<AlertView> Received(Actor actor) => Act(AlertTransition.Received, l => l.Received(actor, Now));

    /// <inheritdoc />
    public async Task CheckEscalation()
    {
        if (_lifecycle is null || !_lifecycle.IsOpen)
        {
            _escalationTimer?.Dispose();
            _escalationTimer = null;
            return;
        }

        if (_lifecycle.Escalate(Now, escalation.WaitFor(_lifecycle.View.Severity)))
        {
            LogEscalated(logger, _lifecycle.View.AlertId, _lifecycle.View.PlaceId);
            await SaveSystemChange(announce: true);
        }
    }

    /// <summary>While the alert is open, checks now and then whether it waits too long for people.</summary>
    private void WatchForEscalation()
    {
        if (_lifecycle is { IsOpen: true })
        {
            _escalationTimer ??= this.RegisterGrainTimer(
                CheckEscalation, new GrainTimerCreationOptions(EscalationCheckEvery, EscalationCheckEvery) { KeepAlive = true });
        }
    }

    /// <inheritdoc />
    public Task<AlertView> Accept(Actor actor) => Act(AlertTransition.Accepted, l => l.Accept(actor, Now));

    /// <inheritdoc />
    public Task<AlertView> OnSite(Actor actor) => Act(AlertTransition.OnSite, l => l.OnSite(actor, Now));

    /// <inheritdoc />
    public async Task<AlertView> Resolve(Actor actor, AlertOutcome outcome, string note)
    {
        var view = await Act(AlertTransition.Resolved, l => l.Resolve(actor, outcome, note, Now));
        GrainFactory.GetGrain<IPlaceGrain>(view.PlaceId).AlertResolved(view.AlertId).Ignore();
        return view;
    }

    /// <inheritdoc />
    public Task<AlertView?> GetView() => Task.FromResult(_lifecycle?.View);

    /// <inheritdoc />
    public Task<AuditEntry[]> GetAudit() => Task.FromResult(_lifecycle is null ? [] : _lifecycle.Audit.ToArray());

    /// <inheritdoc />
    public async Task<bool> IsStored()
    {
        if (_lifecycle is null || _unsaved)
        {
            return false;
        }

        await _indexing;
        if (!_indexed)
        {
            await Index();
        }

        return _indexed;
    }

    /// <inheritdoc />
    public Task<AlertView?> StoredView() => Task.FromResult(_storedView);

    private AlertLifecycle Lifecycle =>
        _lifecycle ?? throw new AlertConflictException($"There is no alert {this.GetPrimaryKeyString()}.");

    private DateTimeOffset Now => clock.GetUtcNow();

    private async Task<AlertView> Act(AlertTransition transition, Action<AlertLifecycle> action)
    {
        // The lifecycle throws before it changes anything, so a refused action leaves nothing to undo; an action that
        // cannot be stored is undone, so that what people were told matches what is stored.
        var (view, audit) = (Lifecycle.View, Lifecycle.Audit.ToList());
        action(Lifecycle);
        try
        {
            await Save(announce: true);
        }
        catch
        {
            _lifecycle = AlertLifecycle.Restore(view, audit);
            state.State.View = view;
            state.State.Audit = audit;
            throw;
        }

        HotPathMetrics.AlertEntered(transition);
        return Lifecycle.View;
    }

    /// <summary>A person's action is answered only once stored: a failure reaches them (and nothing changed for others).</summary>
    private async Task Save(bool announce)
    {
        state.State.View = Lifecycle.View;
        state.State.Audit = [.. Lifecycle.Audit];
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storage.Failed();
            throw StorageUnavailableException.From(ex);
        }

        Stored();
        await Announce(announce);
    }

    private void Stored()
    {
        _storedView = Lifecycle.View;
        _unsaved = false;
    }

    /// <summary>A change the server made (raised, repeated, cleared) never fails its caller: it is retried until stored.</summary>
    private async Task SaveSystemChange(bool announce)
    {
        state.State.View = Lifecycle.View;
        state.State.Audit = [.. Lifecycle.Audit];
        _unsaved = true;
        if (!storage.RecentlyFailed)
        {
            try
            {
                await state.WriteStateAsync();
                Stored();
                await Announce(announce);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                storage.Failed();
                LogSaveFailed(logger, ex, this.GetPrimaryKeyString());
            }
        }

        await Announce(announce);
        _retry ??= this.RegisterGrainTimer(RetrySave, new GrainTimerCreationOptions(RetryEvery, RetryEvery) { KeepAlive = true });
    }

    /// <summary>Stores what could not be stored, then makes sure the queue's index lists the alert.</summary>
    private async Task RetrySave()
    {
        try
        {
            if (_unsaved)
            {
                await state.WriteStateAsync();
                Stored();
            }

            if (!_indexed)
            {
                await Index();
            }

            if (_indexed)
            {
                _retry?.Dispose();
                _retry = null;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storage.Failed();
            LogSaveFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    /// <summary>
    /// Tells the queue's index. A new alert's id is stored there before this returns; a failure is remembered, and the
    /// retry or the next <see cref="IsStored"/> tries again.
    /// </summary>
    private async Task Index()
    {
        try
        {
            await GrainFactory.GetGrain<IAlertIndexGrain>(0).Update(Lifecycle.View);
            _indexed = true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _indexed = false;
            _indexFailed = true;
            LogIndexFailed(logger, ex, this.GetPrimaryKeyString());
            return;
        }

        if (_indexFailed)
        {
            // Listed late (the index was on a node that died): a feed that started in between read an index without
            // this alert, and may never have numbered it. Announced again; a feed numbers an id once per epoch.
            _indexFailed = false;
            if (Lifecycle.View.State == AlertState.Raised)
            {
                try
                {
                    await AlertFeeds.Publish(GrainFactory, Lifecycle.View, raised: true);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
                }
            }
        }
    }

    private async Task Announce(bool announce)
    {
        // The report's durable record of the alert (the index keeps only the recent ones).
        history.Append(AlertRow.From(Lifecycle.View, Lifecycle.Audit));

        // Not awaited: a new alert is announced without waiting for the index's write. Whoever needs it durable (ingest's
        // log, through IsStored) waits for it there.
        _indexing = Index();
        if (announce)
        {
            try
            {
                // Awaited, so that one alert's changes reach the feeds in the order they happened.
                await AlertFeeds.Publish(GrainFactory, Lifecycle.View, raised: false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Stored all the same; clients see the change when they next resume or load the queue.
                LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
            }
        }
    }

    [LoggerMessage(LogLevel.Warning, "Alert {AlertId} at {PlaceId} escalated to the supervisors")]
    private static partial void LogEscalated(ILogger logger, string alertId, string placeId);

    [LoggerMessage(LogLevel.Warning, "Could not announce alert {AlertId}")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception, string alertId);

    [LoggerMessage(LogLevel.Warning, "Could not list alert {AlertId} in the queue's index yet; retrying")]
    private static partial void LogIndexFailed(ILogger logger, Exception exception, string alertId);

    [LoggerMessage(LogLevel.Warning, "Could not store alert {AlertId}; retrying")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string alertId);
}
