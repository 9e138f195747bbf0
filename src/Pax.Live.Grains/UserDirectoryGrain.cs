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
    [PersistentState(UserDirectoryGrain.StateName, PaxStorage.Name)] IPersistentState<UsersState> state) : Grain, IUserDirectoryGrain
{
    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "users";

    // As long as a host may trust what it cached of a user (UserSessions.CacheFor): a change is answered only once
    // every host has forgotten the old stamp, or once what a silent host cached before the change has run out.
    private static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(10);

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
    /// Awaited, so that the change is answered only once every web host refuses the old tokens. A host that does not
    /// answer in time still refuses them when its short cache of users runs out (<c>UserSessions.CacheFor</c>).
    /// </summary>
    private async Task TellEveryHost(string name)
    {
        var hosts = (await GrainFactory.GetGrain<ILiveHostDirectoryGrain>(0).GetHosts()).Observers;
        await Task.WhenAll(hosts.Select(async host =>
        {
            try
            {
                await host.OnUserChanged(name).WaitAsync(HostTimeout);
            }
            catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
            {
                // That host is gone or slow: see above.
            }
        }));
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
