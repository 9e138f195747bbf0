using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Auth;

/// <summary>
/// What this host knows of each local user's current stamp, and which live connections each user holds here. A token
/// is good only while its stamp is the user's current one and the user is enabled: a change of role, areas or password,
/// or disabling, makes every older token useless at once. The user directory tells every host of such a change before it
/// answers (<see cref="OnUserChanged"/>); the cache lives <see cref="CacheFor"/> at most, for a host it could not reach.
/// </summary>
public sealed class UserSessions(IGrainFactory grains, TimeProvider clock) : IUserChangedHandler
{
    /// <summary>The longest a host trusts what it read of a user without being told of a change.</summary>
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Known> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, HubCallerContext>> _connections = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private long _generation;

    /// <summary>Whether a token for <paramref name="name"/> issued under <paramref name="stamp"/> still holds.</summary>
    public async ValueTask<bool> IsCurrent(string name, int stamp)
    {
        var now = clock.GetUtcNow();
        if (!_known.TryGetValue(name, out var known) || now - known.ReadAt > CacheFor)
        {
            // A change told while this read is under way must win over what the read brings back.
            var generation = Interlocked.Read(ref _generation);
            var user = await grains.GetGrain<IUserDirectoryGrain>(0).Find(name);
            known = new Known(user is { Disabled: false } ? user.Stamp : -1, now);

            // Checked and kept in one step: a change told between the check and the write would be undone by it.
            lock (_gate)
            {
                if (_generation == generation)
                {
                    _known[name] = known;
                }
            }
        }

        return known.Stamp >= 0 && known.Stamp == stamp;
    }

    /// <summary>The user changed: read them afresh next time, and close their live connections on this host (they reconnect, and are checked then).</summary>
    public Task OnUserChanged(string userName)
    {
        lock (_gate)
        {
            _generation++;
            _known.TryRemove(userName, out _);
        }

        if (_connections.TryGetValue(userName, out var connections))
        {
            foreach (var connection in connections.Values)
            {
                connection.Abort();
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>A live connection of <paramref name="name"/> opened on this host.</summary>
    public void Connected(string name, HubCallerContext connection) =>
        _connections.GetOrAdd(name, _ => new(StringComparer.Ordinal))[connection.ConnectionId] = connection;

    /// <summary>A live connection closed.</summary>
    public void Disconnected(string name, HubCallerContext connection)
    {
        if (_connections.TryGetValue(name, out var connections))
        {
            connections.TryRemove(connection.ConnectionId, out _);
        }
    }

    private readonly record struct Known(int Stamp, DateTimeOffset ReadAt);
}
