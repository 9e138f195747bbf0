using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
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
/// One alert, the only writer of its lifecycle and the only announcer of its events. A person's change is stored
/// before it is answered or announced; a change the server makes is retried until stored. The alert's place hears
/// when it is resolved.
/// </summary>
/// <remarks>
/// The grain reads its stored state itself instead of through a persistent-state facet, which would fail the
/// activation while the database is away: a new alert must still be announced then. What could not be read is read
/// again before the first write, and a stored alert found then wins over the one raised in memory (it may have moved
/// on), which also keeps the write's ETag right.
/// </remarks>
public sealed partial class AlertGrain(
    [FromKeyedServices(PaxStorage.Name)] IGrainStorage store,
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

    private readonly GrainState<AlertGrainState> _state = new(new AlertGrainState());
    private bool _read;
    private AlertLifecycle? _lifecycle;
    private IGrainTimer? _retry;
    private IGrainTimer? _escalationTimer;
    private AlertView? _storedView;
    private bool _unsaved;
    private bool _indexed;
    private bool _indexFailed;
    private Task _indexing = Task.CompletedTask;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not read: the calls that need what is stored read again, or hear that the database is away.
            storage.Failed();
            LogReadFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    /// <inheritdoc />
    public async Task<AlertState> Open(AlertView alert, AlertOpening opening)
    {
        if (!_read && !storage.RecentlyFailed)
        {
            await TryRead();
        }

        if (_lifecycle is not null)
        {
            // Known already (a reading replayed from ingest's log, a place re-opening what its snapshot holds, a retry
            // of an announcement): the queue must list it too, whatever happened between the two writes.
            if (_read && !_unsaved && !_indexed)
            {
                await Index();
            }

            // Still raised, by a reading: it may be stored by a node that died before the feeds took it (they number an
            // id once). Taken over: the feeds hear of it as it is now.
            if (opening == AlertOpening.TakenOver ? _lifecycle.IsOpen : opening != AlertOpening.Restored && _lifecycle.View.State == AlertState.Raised)
            {
                await AlertFeeds.Publish(GrainFactory, _lifecycle.View, raised: true);
            }

            return _lifecycle.View.State;
        }

        _lifecycle = AlertLifecycle.Raise(alert, alert.RaisedAt);
        HotPathMetrics.AlertEntered(AlertTransition.Raised);
        WatchForEscalation();
        var announce = opening != AlertOpening.Restored;
        if (opening == AlertOpening.RaisedFromLog || !_read)
        {
            await AnnounceThenStore(announce);
        }
        else
        {
            await SaveSystemChange(announce ? Announcement.Raised : Announcement.None);
        }

        return _lifecycle.View.State;
    }

    /// <summary>
    /// Announces a new alert before it is stored, and stores it in a turn of its own right after (retried until stored),
    /// so that neither the place nor the people wait on the database. Safe only when the alert can be raised again
    /// after a crash: the reading that raised it is kept in ingest's write-ahead log until <see cref="IsStored"/> says
    /// so, a crash replays it, the replay raises the same alert id (<see cref="Aggregation.AlertIds"/>: derived from the
    /// place, the device, the kind and the reading's time) and the feeds number an id once. A grain that could not read
    /// its state (the database is away) takes the raise the same way: what the place keeps of it retries the delivery.
    /// </summary>
    private async Task AnnounceThenStore(bool announce)
    {
        // While the database is known to be away the first try waits a period too: a read or write would only time out.
        _unsaved = true;
        var first = _read && !storage.RecentlyFailed ? TimeSpan.Zero : RetryEvery;
        _retry ??= this.RegisterGrainTimer(RetrySave, new GrainTimerCreationOptions(first, RetryEvery) { KeepAlive = true });
        history.Append(AlertRow.From(Lifecycle.View, Lifecycle.Audit));
        if (announce)
        {
            await AlertFeeds.Publish(GrainFactory, Lifecycle.View, raised: true);
        }
    }

    /// <inheritdoc />
    public async Task Repeat(int count, DateTimeOffset lastSeen, int severity)
    {
        if (await Known() is not { } lifecycle)
        {
            return;
        }

        lifecycle.Repeat(count, lastSeen, severity);
        await SaveSystemChange(Announcement.None);
    }

    /// <inheritdoc />
    public async Task CauseCleared(DateTimeOffset at)
    {
        if (await Known() is not { } lifecycle)
        {
            return;
        }

        var before = lifecycle.View.State;
        lifecycle.CauseCleared(at);
        await SaveSystemChange(lifecycle.View.State != before ? Announcement.Change : Announcement.None);
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
            await SaveSystemChange(Announcement.Change);
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
    public async Task<AlertView?> GetView()
    {
        if (_lifecycle is null)
        {
            await RequireRead();
        }

        return _lifecycle?.View;
    }

    /// <inheritdoc />
    public async Task<AuditEntry[]> GetAudit()
    {
        await RequireRead();
        return _lifecycle is null ? [] : [.. _lifecycle.Audit];
    }

    /// <inheritdoc />
    public async Task<bool> IsStored()
    {
        if (_lifecycle is null || _unsaved || !_read)
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

    /// <summary>Reads the stored alert; one found wins over what this activation raised in memory.</summary>
    private async Task Read()
    {
        await store.ReadStateAsync(StateName, this.GetGrainId(), _state);
        _read = true;
        _state.State ??= new AlertGrainState();
        if (_state.State.View is not { } stored)
        {
            return;
        }

        var told = _lifecycle?.View;
        _lifecycle = AlertLifecycle.Restore(stored, _state.State.Audit);
        Stored();
        WatchForEscalation();
        if (told is not null && told != stored)
        {
            // Raised in memory while the database was away, but stored before by an activation that could read: the
            // feeds and the place hear of it as it is.
            await Publish(Announcement.Change);
            if (stored.State == AlertState.Resolved)
            {
                GrainFactory.GetGrain<IPlaceGrain>(stored.PlaceId).AlertResolved(stored.AlertId).Ignore();
            }
        }
    }

    private async Task TryRead()
    {
        try
        {
            await Read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storage.Failed();
            LogReadFailed(logger, ex, this.GetPrimaryKeyString());
        }
    }

    /// <summary>What people ask of an alert is answered from what is stored: when that cannot be read, they hear so.</summary>
    private async Task RequireRead()
    {
        if (_read)
        {
            return;
        }

        try
        {
            await Read();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storage.Failed();
            throw StorageUnavailableException.From(ex);
        }
    }

    /// <summary>
    /// The alert for a change the server makes, or null when there is none. When it cannot be known (never read, the
    /// database away) the caller hears so and tries again: a repeat or a cleared cause is not dropped on a guess.
    /// </summary>
    private async Task<AlertLifecycle?> Known()
    {
        if (_lifecycle is null)
        {
            await RequireRead();
        }

        return _lifecycle;
    }

    private async Task<AlertView> Act(AlertTransition transition, Action<AlertLifecycle> action)
    {
        await RequireRead();

        // The lifecycle throws before it changes anything, so a refused action leaves nothing to undo; an action that
        // cannot be stored is undone, so that what people were told matches what is stored.
        var (view, audit) = (Lifecycle.View, Lifecycle.Audit.ToList());
        action(Lifecycle);
        try
        {
            await Save();
        }
        catch
        {
            _lifecycle = AlertLifecycle.Restore(view, audit);
            _state.State = new AlertGrainState { View = view, Audit = audit };
            throw;
        }

        HotPathMetrics.AlertEntered(transition);
        return Lifecycle.View;
    }

    /// <summary>A person's action is answered only once stored: a failure reaches them (and nothing changed for others).</summary>
    private async Task Save()
    {
        try
        {
            await Write();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            storage.Failed();
            throw StorageUnavailableException.From(ex);
        }

        await Recorded(Announcement.Change);
    }

    /// <summary>Writes the lifecycle; the state was read before (a grain that could not read never writes blind).</summary>
    private async Task Write()
    {
        _state.State = new AlertGrainState { View = Lifecycle.View, Audit = [.. Lifecycle.Audit] };
        await store.WriteStateAsync(StateName, this.GetGrainId(), _state);
        Stored();
    }

    private void Stored()
    {
        _storedView = Lifecycle.View;
        _unsaved = false;
    }

    /// <summary>A change the server made (raised, repeated, cleared) never fails its caller: it is retried until stored.</summary>
    private async Task SaveSystemChange(Announcement announce)
    {
        _unsaved = true;
        if (_read && !storage.RecentlyFailed)
        {
            try
            {
                await Write();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                storage.Failed();
                LogSaveFailed(logger, ex, this.GetPrimaryKeyString());
            }
        }

        if (_unsaved)
        {
            _retry ??= this.RegisterGrainTimer(RetrySave, new GrainTimerCreationOptions(RetryEvery, RetryEvery) { KeepAlive = true });
        }

        await Recorded(announce);
    }

    /// <summary>
    /// Reads what could not be read (a stored alert wins), stores what could not be stored, then makes sure the queue's
    /// index lists the alert.
    /// </summary>
    private async Task RetrySave()
    {
        try
        {
            if (!_read)
            {
                await Read();
            }

            if (_unsaved)
            {
                await Write();
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

    /// <summary>After a change: the report's record of it, the queue's index, and its announcement.</summary>
    private async Task Recorded(Announcement announce)
    {
        // The report's durable record of the alert (the index keeps only the recent ones).
        history.Append(AlertRow.From(Lifecycle.View, Lifecycle.Audit));

        // Not awaited: a new alert is announced without waiting for the index's write. Whoever needs it durable (ingest's
        // log, through IsStored) waits for it there.
        _indexing = Index();
        await Publish(announce);
    }

    /// <summary>
    /// Announces the alert to the feeds, awaited so that one alert's changes reach them in the order they happened. A
    /// new alert's announcement that fails reaches the caller, whose delivery retries it: people must hear of it. A
    /// later change that fails is stored all the same; clients see it when they next resume or load the queue.
    /// </summary>
    private async Task Publish(Announcement announce)
    {
        if (announce == Announcement.Raised)
        {
            await AlertFeeds.Publish(GrainFactory, Lifecycle.View, raised: true);
        }
        else if (announce == Announcement.Change)
        {
            try
            {
                await AlertFeeds.Publish(GrainFactory, Lifecycle.View, raised: false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogAnnounceFailed(logger, ex, this.GetPrimaryKeyString());
            }
        }
    }

    /// <summary>What a stored change tells the feeds.</summary>
    private enum Announcement
    {
        None,
        Change,
        Raised,
    }

    [LoggerMessage(LogLevel.Warning, "Alert {AlertId} at {PlaceId} escalated to the supervisors")]
    private static partial void LogEscalated(ILogger logger, string alertId, string placeId);

    [LoggerMessage(LogLevel.Warning, "Could not announce alert {AlertId}")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception, string alertId);

    [LoggerMessage(LogLevel.Warning, "Could not list alert {AlertId} in the queue's index yet; retrying")]
    private static partial void LogIndexFailed(ILogger logger, Exception exception, string alertId);

    [LoggerMessage(LogLevel.Warning, "Could not read alert {AlertId}; working from memory until the database is back")]
    private static partial void LogReadFailed(ILogger logger, Exception exception, string alertId);

    [LoggerMessage(LogLevel.Warning, "Could not store alert {AlertId}; retrying")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string alertId);
}
