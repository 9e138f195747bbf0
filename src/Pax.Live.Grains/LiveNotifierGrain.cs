using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>
/// One per silo (a local stateless worker): gathers status changes from the silo's places, keeps only the newest per
/// place, and every flush interval sends them to every web host in one call per host. Alerts and catalogue changes
/// skip the wait. This is how a client on any node sees every event, without grains knowing about SignalR.
/// </summary>
[StatelessWorker(1)]
public sealed partial class LiveNotifierGrain(
    LiveOptions options,
    [FromKeyedServices(PaxClock.Key)] TimeProvider clock,
    ILogger<LiveNotifierGrain> logger) : Grain, ILiveNotifierGrain
{
    private static readonly TimeSpan DirectoryRefresh = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, PlaceStatusChanged> _pending = new(StringComparer.Ordinal);
    private ILiveObserver[] _hosts = [];
    private DateTimeOffset _hostsFetchedAt = DateTimeOffset.MinValue;
    private IGrainTimer? _flushTimer;
    private Task? _refreshing;
    private bool _complete = true;
    private static readonly TimeSpan IncompleteWait = TimeSpan.FromMilliseconds(500);

    /// <inheritdoc />
    public Task StatusChanged(PlaceStatusChanged change)
    {
        _pending[change.PlaceId] = change;
        _flushTimer ??= this.RegisterGrainTimer(Flush, new GrainTimerCreationOptions(options.StatusInterval, options.StatusInterval));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async ValueTask Alert(AlertFeedEntry entry)
    {
        foreach (var host in await Hosts())
        {
            host.OnAlert(entry).Ignore();
        }
    }

    /// <inheritdoc />
    public async ValueTask PlaceDefined(PlaceDefinition definition)
    {
        foreach (var host in await Hosts())
        {
            host.OnPlaceDefined(definition).Ignore();
        }
    }

    /// <inheritdoc />
    public async ValueTask DeviceRevoked(string deviceId, DateTimeOffset issuedBefore)
    {
        foreach (var host in await Hosts())
        {
            host.OnDeviceRevoked(deviceId, issuedBefore).Ignore();
        }
    }

    private async Task Flush()
    {
        if (_pending.Count == 0)
        {
            // Idle: stop ticking until the next change arrives.
            _flushTimer?.Dispose();
            _flushTimer = null;
            return;
        }

        var batch = new PlaceStatusChanged[_pending.Count];
        _pending.Values.CopyTo(batch, 0);
        _pending.Clear();
        foreach (var host in await Hosts())
        {
            host.OnStatusesChanged(batch).Ignore();
        }
    }

    /// <summary>
    /// The hosts to send to. Only the first call waits for the directory; after that the list is refreshed in the
    /// background, so an event never waits on the directory's node: when that node dies, events go on to the hosts
    /// already known (a dead one's calls just fail) until the directory is back on another node.
    /// </summary>
    private async ValueTask<ILiveObserver[]> Hosts()
    {
        if (_hostsFetchedAt == DateTimeOffset.MinValue)
        {
            // Nothing known yet: an exception tells the caller (the alert feed) to try again.
            Take(await GrainFactory.GetGrain<ILiveHostDirectoryGrain>(0).GetHosts());
        }
        else if (_refreshing is null && clock.GetUtcNow() - _hostsFetchedAt >= DirectoryRefresh)
        {
            var refresh = Refresh();
            _refreshing = refresh.IsCompleted ? null : refresh;

            // A directory that said it was incomplete has just started again and answers: wait a moment for hosts
            // that registered since, rather than send this event to the few known when it was first asked.
            if (!_complete && _refreshing is not null)
            {
                await Task.WhenAny(refresh, Task.Delay(IncompleteWait));
            }
        }

        return _hosts;
    }

    private async Task Refresh()
    {
        try
        {
            Take(await GrainFactory.GetGrain<ILiveHostDirectoryGrain>(0).GetHosts());
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Try again after the usual interval, sending to the hosts known until then.
            _hostsFetchedAt = clock.GetUtcNow();
            LogDirectoryUnreachable(logger, ex);
        }
        finally
        {
            _refreshing = null;
        }
    }

    private void Take(LiveHosts hosts)
    {
        // A directory that has just started again may not have heard from every host yet: keep the ones known before.
        _hosts = hosts.Complete || _hosts.Length == 0 ? hosts.Observers : [.. hosts.Observers.Union(_hosts)];
        _complete = hosts.Complete;
        _hostsFetchedAt = clock.GetUtcNow();
    }

    [LoggerMessage(LogLevel.Warning, "The live-host directory did not answer; sending to the hosts known before")]
    private static partial void LogDirectoryUnreachable(ILogger logger, Exception exception);
}
