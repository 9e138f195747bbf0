using System.Diagnostics;
using Microsoft.AspNetCore.SignalR;
using Pax.Live.Abstractions;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Live;

/// <summary>
/// What a node does when another node leaves the cluster (declared dead after a crash, or at the end of a shutdown). The grains that lived there
/// come back on the survivors only when something calls them, and with them the timers that lower levels, clear
/// causes and escalate alerts; the live fan-out's directory may have been there as well. So, at once:
/// every node renews its live registration and, once the notifiers have seen it, tells its own clients to resume their
/// feeds (what was sent while the fan-out was broken comes back in order); and the first active node wakes every place
/// of the catalogue and every open alert.
/// </summary>
public sealed partial class ClusterRecovery(
    IClusterMembershipService membership,
    ILocalSiloDetails local,
    LiveHostRegistration registration,
    IHubContext<LiveHub, ILiveClient> hub,
    PlaceDirectory places,
    IGrainFactory grains,
    ILogger<ClusterRecovery> logger) : BackgroundService
{
    // Longer than a notifier's directory refresh (1 s): after it, every notifier sends to this host again.
    private static readonly TimeSpan NotifiersCatchUp = TimeSpan.FromSeconds(1.5);

    // Places are woken this many at a time: enough to finish quickly, few enough not to crowd out live signals.
    private const int WakeConcurrency = 32;

    private Task _waking = Task.CompletedTask;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var known = membership.CurrentSnapshot;
            await foreach (var snapshot in membership.MembershipUpdates.WithCancellation(stoppingToken))
            {
                var left = Left(known, snapshot);
                known = snapshot;
                if (left.Count == 0)
                {
                    continue;
                }

                LogNodeLeft(logger, string.Join(", ", left));
                PlacesMoved.Signal();
                await RenewUntilDone(stoppingToken);
                if (IsFirstActive(snapshot) && _waking.IsCompleted)
                {
                    _waking = WakeAll(stoppingToken);
                }

                await Task.Delay(NotifiersCatchUp, stoppingToken);
                await hub.Clients.All.FeedInterrupted();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        try
        {
            await _waking;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Renews this host's registration, again and again for a while if need be: the first try can still reach the
    /// directory's old address on the dead node, and a notifier that starts afresh knows only the hosts registered.
    /// </summary>
    private async Task RenewUntilDone(CancellationToken stoppingToken)
    {
        for (var attempt = 0; attempt < 20 && !await registration.RenewNow(); attempt++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stoppingToken);
        }
    }

    /// <summary>The silos that were members in <paramref name="before"/> and are dead in <paramref name="now"/>.</summary>
    private static List<SiloAddress> Left(ClusterMembershipSnapshot before, ClusterMembershipSnapshot now)
    {
        var left = new List<SiloAddress>();
        foreach (var (silo, member) in now.Members)
        {
            // Dead only: a node that is shutting down still holds its grains until it has stopped.
            if (member.Status == SiloStatus.Dead && before.GetSiloStatus(silo) is not SiloStatus.Dead and not SiloStatus.None)
            {
                left.Add(silo);
            }
        }

        return left;
    }

    /// <summary>One node wakes the cluster's grains: the active one that sorts first (every node agrees on it).</summary>
    private bool IsFirstActive(ClusterMembershipSnapshot snapshot)
    {
        string? first = null;
        foreach (var (silo, member) in snapshot.Members)
        {
            var name = silo.ToParsableString();
            if (member.Status == SiloStatus.Active && (first is null || string.CompareOrdinal(name, first) < 0))
            {
                first = name;
            }
        }

        return first == local.SiloAddress.ToParsableString();
    }

    private async Task WakeAll(CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        var ids = places.All();
        var failed = await Wake(ids, stoppingToken);
        if (!failed.IsEmpty)
        {
            // Right after a death some calls can still be routed to the dead node: once more, a moment later.
            await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            failed = await Wake([.. failed], stoppingToken);
        }

        var alerts = 0;
        try
        {
            alerts = await AlertWakeup.WakeOpenAlerts(grains);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogAlertsNotWoken(logger, ex);
        }

        LogWoken(logger, ids.Length - failed.Count, ids.Length, alerts, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private async Task<System.Collections.Concurrent.ConcurrentBag<string>> Wake(string[] ids, CancellationToken stoppingToken)
    {
        var failed = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = WakeConcurrency, CancellationToken = stoppingToken },
            async (id, _) =>
            {
                try
                {
                    await grains.GetGrain<IPlaceGrain>(id).GetStatus();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    failed.Add(id);
                }
            });
        return failed;
    }

    [LoggerMessage(LogLevel.Warning, "Node(s) left the cluster: {Silos}; renewing the live fan-out and resuming clients' feeds")]
    private static partial void LogNodeLeft(ILogger logger, string silos);

    [LoggerMessage(LogLevel.Information, "Woke {Woken} of {Places} places and {Alerts} open alerts after a node left, in {Ms:F0} ms")]
    private static partial void LogWoken(ILogger logger, int woken, int places, int alerts, double ms);

    [LoggerMessage(LogLevel.Warning, "Could not wake the open alerts after a node left; they escalate when next touched")]
    private static partial void LogAlertsNotWoken(ILogger logger, Exception exception);
}
