using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>
/// The web hosts that want live events. Hosts renew every <see cref="RenewEvery"/> and at once when a node leaves the
/// cluster (this grain may have been on it); one silent for three renewals is dropped. Until one renewal has passed
/// since activation the list may lack hosts, and says so (<see cref="LiveHosts.Complete"/>).
/// </summary>
public sealed partial class LiveHostDirectoryGrain(
    [FromKeyedServices(PaxClock.Key)] TimeProvider clock,
    ILogger<LiveHostDirectoryGrain> logger) : Grain, ILiveHostDirectoryGrain
{
    /// <summary>How often a host renews its registration.</summary>
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(30);

    // A renewal that is due can be a few seconds late (a busy node, a slow call): wait that long before trusting the list.
    private static readonly TimeSpan RenewalSlack = TimeSpan.FromSeconds(5);

    private readonly Dictionary<ILiveObserver, DateTimeOffset> _hosts = [];
    private DateTimeOffset _activatedAt;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _activatedAt = clock.GetUtcNow();

        // One line per activation: operators (and the cluster test) can tell which node holds the fan-out's directory.
        LogActivated(logger, RuntimeIdentity);
        return Task.CompletedTask;
    }

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
    public ValueTask<LiveHosts> GetHosts()
    {
        var now = clock.GetUtcNow();
        var cutoff = now - 3 * RenewEvery;
        foreach (var (host, renewedAt) in _hosts)
        {
            if (renewedAt < cutoff)
            {
                _hosts.Remove(host);
            }
        }

        return ValueTask.FromResult(new LiveHosts([.. _hosts.Keys], now - _activatedAt >= RenewEvery + RenewalSlack));
    }

    [LoggerMessage(LogLevel.Information, "The live-host directory is active on this node ({Silo})")]
    private static partial void LogActivated(ILogger logger, string silo);
}
