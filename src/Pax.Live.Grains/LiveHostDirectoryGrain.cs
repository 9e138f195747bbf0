using Microsoft.Extensions.DependencyInjection;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The web hosts that want live events. Hosts renew every <see cref="RenewEvery"/>; one silent for three renewals is dropped.</summary>
public sealed class LiveHostDirectoryGrain([FromKeyedServices(PaxClock.Key)] TimeProvider clock) : Grain, ILiveHostDirectoryGrain
{
    /// <summary>How often a host renews its registration.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);

    private readonly Dictionary<ILiveObserver, DateTimeOffset> _hosts = [];

    /// <inheritdoc />
    public ValueTask Register(ILiveObserver observer)
    {
        _hosts[observer] = clock.GetUtcNow();
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask Unregister(ILiveObserver observer)
    {
        _hosts.Remove(observer);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<ILiveObserver[]> GetObservers()
    {
        var cutoff = clock.GetUtcNow() - 3 * RenewEvery;
        foreach (var (host, renewedAt) in _hosts)
        {
            if (renewedAt < cutoff)
            {
                _hosts.Remove(host);
            }
        }

        return ValueTask.FromResult(_hosts.Keys.ToArray());
    }
}
