using Microsoft.AspNetCore.SignalR;
using Pax.Live.Abstractions;
using Pax.Live.Grains;

namespace Pax.Live.Server.Live;

/// <summary>
/// This host's ear on the cluster: receives live events from every silo's notifier and pushes them to its own SignalR
/// clients. What the cluster tells hosts for other subsystems (a place defined, a device revoked, a user changed) it
/// hands to the handlers registered for it, without knowing who they are.
/// </summary>
public sealed class LiveHostObserver(
    IHubContext<LiveHub, ILiveClient> hub,
    IEnumerable<IPlaceDefinedHandler> placeDefined,
    IEnumerable<IDeviceRevokedHandler> deviceRevoked,
    IEnumerable<IUserChangedHandler> userChanged) : ILiveObserver
{
    /// <inheritdoc />
    public async Task OnStatusesChanged(PlaceStatusChanged[] changes)
    {
        foreach (var change in changes)
        {
            await hub.Clients.Groups(LiveHub.AllStatus, LiveHub.StatusGroup(change.PlaceId)).PlaceStatusChanged(change);
        }
    }

    /// <inheritdoc />
    public Task OnAlert(AlertFeedEntry entry)
    {
        var clients = Audience(entry.Position.Audience, entry.Raised?.PlaceId ?? entry.Changed!.PlaceId);
        return entry.Raised is { } raised
            ? clients.AlertRaised(new FeedEvent<AlertRaised>(raised, entry.Position))
            : clients.AlertChanged(new FeedEvent<AlertView>(entry.Changed!, entry.Position));
    }

    /// <summary>
    /// Who hears of an audience's event: for the control room's, whoever watches the place; for an area's, the area's
    /// guards. A connection is in groups of one kind only (control room or guard), so nobody hears an event twice.
    /// </summary>
    private ILiveClient Audience(string audience, string placeId) => Audiences.AreaOf(audience) is { } area
        ? hub.Clients.Group(LiveHub.AreaGroup(area))
        : hub.Clients.Groups(LiveHub.AllAlerts, LiveHub.AlertGroup(placeId));

    /// <inheritdoc />
    public async Task OnPlaceDefined(PlaceDefinition definition)
    {
        foreach (var handler in placeDefined)
        {
            await handler.OnPlaceDefined(definition);
        }
    }

    /// <inheritdoc />
    public async Task OnDeviceRevoked(string deviceId, DateTimeOffset issuedBefore)
    {
        foreach (var handler in deviceRevoked)
        {
            await handler.OnDeviceRevoked(deviceId, issuedBefore);
        }
    }

    /// <inheritdoc />
    public async Task OnUserChanged(string userName)
    {
        foreach (var handler in userChanged)
        {
            await handler.OnUserChanged(userName);
        }
    }
}

/// <summary>Registers this host's <see cref="LiveHostObserver"/> with the cluster and renews it while the host runs.</summary>
public sealed partial class LiveHostRegistration(
    IGrainFactory grains,
    LiveHostObserver observer,
    ILogger<LiveHostRegistration> logger) : BackgroundService
{
    private ILiveObserver? _reference;

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        _reference = grains.CreateObjectReference<ILiveObserver>(observer);
        await Directory.Register(_reference);
        await base.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(LiveHostDirectoryGrain.RenewEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RenewNow();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Renews this host's registration now (also after a node left: the directory may have been on it); false when it failed.</summary>
    public async Task<bool> RenewNow()
    {
        try
        {
            await Directory.Register(_reference!);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogRenewFailed(logger, ex);
            return false;
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_reference is not null)
        {
            try
            {
                await Directory.Unregister(_reference);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogRenewFailed(logger, ex);
            }

            grains.DeleteObjectReference<ILiveObserver>(_reference);
        }
    }

    private ILiveHostDirectoryGrain Directory => grains.GetGrain<ILiveHostDirectoryGrain>(0);

    [LoggerMessage(LogLevel.Warning, "Could not renew this host's live registration")]
    private static partial void LogRenewFailed(ILogger logger, Exception exception);
}
