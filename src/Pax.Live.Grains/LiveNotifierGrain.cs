using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>
/// One per silo (a local stateless worker): gathers status changes from the silo's places, keeps only the newest per
/// place, and every flush interval sends them to every web host in one call per host. Alerts and catalogue changes
/// skip the wait. This is how a client on any node sees every event, without grains knowing about SignalR.
/// </summary>
[StatelessWorker(1)]
public sealed class LiveNotifierGrain(LiveOptions options, [FromKeyedServices(PaxClock.Key)] TimeProvider clock) : Grain, ILiveNotifierGrain
{
    private static readonly TimeSpan DirectoryRefresh = TimeSpan.FromSeconds(1);

    private readonly Dictionary<string, PlaceStatusChanged> _pending = new(StringComparer.Ordinal);
    private ILiveObserver[] _hosts = [];
    private DateTimeOffset _hostsFetchedAt = DateTimeOffset.MinValue;
    private IGrainTimer? _flushTimer;

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
    public async ValueTask DeviceRevoked(string deviceId)
    {
        foreach (var host in await Hosts())
        {
            host.OnDeviceRevoked(deviceId).Ignore();
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

    private async ValueTask<ILiveObserver[]> Hosts()
    {
        var now = clock.GetUtcNow();
        if (now - _hostsFetchedAt >= DirectoryRefresh)
        {
            _hosts = await GrainFactory.GetGrain<ILiveHostDirectoryGrain>(0).GetObservers();
            _hostsFetchedAt = now;
        }

        return _hosts;
    }
}

/// <summary>Options of the live push.</summary>
public sealed record LiveOptions
{
    /// <summary>How often coalesced status changes are flushed: 250 ms is at most 4 updates per place per second.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
