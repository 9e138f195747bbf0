using Orleans.Concurrency;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The stored alert index.</summary>
[GenerateSerializer, Alias("pax.AlertIndexState")]
public sealed class AlertIndexState
{
    /// <summary>Alerts by id: every open one and the most recent resolved ones.</summary>
    [Id(0)]
    public Dictionary<string, AlertView> Alerts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The alert queues' source: every open alert and the last resolved ones. The alerts themselves are the record: at
/// activation every listed alert's stored view replaces what the index kept, so the queue, the hub's Resume (whose
/// feeds start from this list) and each alert agree right after a crash. A new alert's id is stored before
/// <see cref="Update"/> returns — concurrent registrations share one write — so that no stored alert is missing from
/// the queue; changes to known alerts are saved at most every few seconds (they are read back from the alerts anyway).
/// </summary>
[Reentrant]
public sealed class AlertIndexGrain(
    [PersistentState(AlertIndexGrain.StateName, PaxStorage.Name)] IPersistentState<AlertIndexState> state) : Grain, IAlertIndexGrain
{
    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "alert-index";

    private const int KeepResolved = 200;
    private static readonly TimeSpan SaveEvery = TimeSpan.FromSeconds(5);

    private IGrainTimer? _save;
    private TaskCompletionSource? _nextWrite;
    private bool _writing;
    private long _idsAdded;
    private long _idsStored;

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var listed = state.State.Alerts.Keys.ToArray();
        var stored = await Task.WhenAll(listed.Select(id => GrainFactory.GetGrain<IAlertGrain>(id).StoredView()));
        for (var i = 0; i < listed.Length; i++)
        {
            // An alert that is not stored yet (it waits for the database) keeps the index's view of it.
            if (stored[i] is { } view)
            {
                state.State.Alerts[listed[i]] = view;
            }
        }
    }

    /// <inheritdoc />
    public Task Update(AlertView alert)
    {
        if (state.State.Alerts.TryAdd(alert.AlertId, alert))
        {
            _idsAdded++;
        }
        else
        {
            state.State.Alerts[alert.AlertId] = alert;
        }

        var resolved = state.State.Alerts.Values.Where(a => a.State == AlertState.Resolved).ToList();
        if (resolved.Count > KeepResolved)
        {
            foreach (var old in resolved.OrderBy(a => a.LastSeen).Take(resolved.Count - KeepResolved))
            {
                state.State.Alerts.Remove(old.AlertId);
            }
        }

        if (_idsStored < _idsAdded)
        {
            return Persist();
        }

        _save ??= this.RegisterGrainTimer(Save, new GrainTimerCreationOptions(SaveEvery, SaveEvery) { KeepAlive = true });
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<AlertView[]> List(bool includeResolved) => Task.FromResult(state.State.Alerts.Values
        .Where(a => includeResolved || a.State != AlertState.Resolved)
        .OrderByDescending(a => a.Severity).ThenByDescending(a => a.RaisedAt)
        .ToArray());

    /// <inheritdoc />
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_save is not null)
        {
            await Save();
        }
    }

    /// <summary>
    /// A write that starts after every change made so far: callers that come while a write is under way share the next
    /// one (group commit), so a burst of alerts costs a few writes of the index, not one each.
    /// </summary>
    private Task Persist()
    {
        _nextWrite ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var written = _nextWrite.Task;
        if (!_writing)
        {
            _ = WriteLoop();
        }

        return written;
    }

    private async Task WriteLoop()
    {
        _writing = true;
        try
        {
            while (_nextWrite is { } group)
            {
                _nextWrite = null;
                var ids = _idsAdded;
                try
                {
                    await state.WriteStateAsync();
                    _idsStored = Math.Max(_idsStored, ids);
                    group.SetResult();
                }
                catch (Exception ex)
                {
                    group.SetException(StorageUnavailableException.From(ex));
                }
            }
        }
        finally
        {
            _writing = false;
        }
    }

    private async Task Save()
    {
        // Through the same writes as registrations: two writes of one activation at once would conflict on the ETag.
        // A failed save (the database is away) throws here and the periodic timer tries again.
        await Persist();
        _save?.Dispose();
        _save = null;
    }
}
