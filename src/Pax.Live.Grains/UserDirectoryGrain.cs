using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The stored users.</summary>
[GenerateSerializer, Alias("pax.UsersState")]
public sealed class UsersState
{
    /// <summary>Users by name.</summary>
    [Id(0)]
    public Dictionary<string, UserRecord> Users { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>The local users, stored.</summary>
public sealed class UserDirectoryGrain(
    [PersistentState(UserDirectoryGrain.StateName, PaxStorage.Name)] IPersistentState<UsersState> state,
    [FromKeyedServices(PaxClock.Key)] TimeProvider clock) : Grain, IUserDirectoryGrain
{
    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "users";

    /// <summary>
    /// As long as a host may trust what it cached of a user (<c>UserSessions.CacheFor</c>): a change is answered only
    /// once every host has forgotten the old stamp, or once what a host that was not told cached before it has run out.
    /// </summary>
    public static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(10);

    /// <inheritdoc />
    public Task<UserRecord?> Find(string name) => Task.FromResult(state.State.Users.GetValueOrDefault(name));

    /// <inheritdoc />
    public Task<UserRecord[]> All() => Task.FromResult(state.State.Users.Values.OrderBy(u => u.Name, StringComparer.Ordinal).ToArray());

    /// <inheritdoc />
    public async Task<bool> Upsert(UserRecord user)
    {
        var existing = state.State.Users.GetValueOrDefault(user.Name);
        var revokes = existing is not null && user.DiffersInPowerFrom(existing);
        user = user with { Stamp = existing is null ? 0 : revokes ? existing.Stamp + 1 : existing.Stamp };
        state.State.Users[user.Name] = user;
        await state.WriteStateAsync();
        if (revokes)
        {
            // Stored first, so that a host that asks again after being told sees the new stamp.
            await TellEveryHost(user.Name);
        }

        return existing is null;
    }

    /// <summary>
    /// Awaited, so that the change is answered only once every web host refuses the old tokens: each host known is told,
    /// and if one could not be told (gone, slow, or the hosts' directory itself away) the answer waits until what that
    /// host cached before the change has run out (<c>UserSessions.CacheFor</c>).
    /// </summary>
    private async Task TellEveryHost(string name)
    {
        var storedAt = clock.GetUtcNow();
        bool[] told;
        try
        {
            var hosts = (await GrainFactory.GetGrain<ILiveHostDirectoryGrain>(0).GetHosts()).Observers;
            told = await Task.WhenAll(hosts.Select(async host =>
            {
                try
                {
                    await host.OnUserChanged(name).WaitAsync(HostTimeout, clock);
                    return true;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    return false;
                }
            }));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            told = [false];
        }

        if (Array.IndexOf(told, false) >= 0 && storedAt + HostTimeout - clock.GetUtcNow() is var left && left > TimeSpan.Zero)
        {
            await Task.Delay(left, clock);
        }
    }

    /// <inheritdoc />
    public async Task<bool> CreateFirstAdmin(UserRecord admin)
    {
        if (state.State.Users.Count > 0)
        {
            return false;
        }

        state.State.Users[admin.Name] = admin;
        await state.WriteStateAsync();
        return true;
    }
}

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
