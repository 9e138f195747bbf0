using Pax.Live.Abstractions;

namespace Pax.Live.Server.Live;

/// <summary>
/// At start, wakes every open alert so that its escalation watch runs again after a restart (an alert grain otherwise
/// activates only when someone calls it). <see cref="ClusterRecovery"/> does the same when a node dies.
/// </summary>
public sealed partial class AlertWakeup(IGrainFactory grains, ILogger<AlertWakeup> logger) : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WakeOpenAlerts(grains);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogWakeupFailed(logger, ex);
        }
    }

    /// <summary>Activates every open alert's grain, so that its escalation timer runs; returns how many.</summary>
    public static async Task<int> WakeOpenAlerts(IGrainFactory grains)
    {
        var open = await grains.GetGrain<IAlertIndexGrain>(0).List(includeResolved: false);
        foreach (var alert in open)
        {
            await grains.GetGrain<IAlertGrain>(alert.AlertId).CheckEscalation();
        }

        return open.Length;
    }

    [LoggerMessage(LogLevel.Warning, "Could not wake the open alerts; they escalate when next touched")]
    private static partial void LogWakeupFailed(ILogger logger, Exception exception);
}
