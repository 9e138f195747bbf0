using System.Diagnostics;
using System.Runtime;
using Pax.Live.Grains;
using Pax.Live.Server.Auth;

namespace Pax.Live.Server.Api;

/// <summary>The stages of the alerts raised since a given count, as <c>GET /api/debug/runtime?alertsAfter=n</c> returns them.</summary>
public sealed record AlertStagesView(long Count, double[] ToGrainMs, double[] SaveMs, double[] DeliverMs, double[] StoreMs);

/// <summary>What the process is doing, for load runs: memory, garbage collection, the thread pool and the hot path's own counts.</summary>
public sealed record RuntimeView(
    double WorkingSetMiB,
    double PeakWorkingSetMiB,
    double ManagedHeapMiB,
    double GcHeapSizeMiB,
    double GcCommittedMiB,
    double GcFragmentedMiB,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double GcPauseTotalMs,
    double GcPauseTimePercentage,
    string GcMode,
    int ThreadCount,
    long ThreadPoolQueueLength,
    long ThreadPoolCompletedItems,
    long ActivePlaces,
    double CpuMs,
    long AllocatedBytes,
    AlertStagesView Alerts);

/// <summary><c>/api/debug/runtime</c>: numbers for measuring the server under load, without dotnet-counters or dumps.</summary>
public static class RuntimeApi
{
    /// <summary>Maps the endpoint. <c>?collect=true</c> runs a full blocking collection first, so the heap size is what is live.</summary>
    public static IEndpointRouteBuilder MapRuntimeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/debug/runtime", (bool? collect, long? alertsAfter) => alertsAfter < 0
                ? Results.ValidationProblem(new Dictionary<string, string[]> { ["alertsAfter"] = ["A count of alerts, 0 or more."] })
                : Results.Ok(Read(collect == true, alertsAfter ?? long.MaxValue)))
            // Admins only: a forced full collection of a large heap stalls the whole server for seconds.
            .RequireAuthorization(PaxClaims.AdminOnly)
            .WithTags("Debug");
        return app;
    }

    private static RuntimeView Read(bool collect, long alertsAfter)
    {
        if (collect)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        }

        const double MiB = 1024 * 1024;
        using var process = Process.GetCurrentProcess();
        var info = GC.GetGCMemoryInfo(GCKind.Any);
        var stages = HotPathMetrics.AlertsSince(alertsAfter);
        var toGrain = new double[stages.Length];
        var save = new double[stages.Length];
        var deliver = new double[stages.Length];
        var store = new double[stages.Length];
        for (var i = 0; i < stages.Length; i++)
        {
            (toGrain[i], save[i], deliver[i], store[i]) = (stages[i].ToGrainMs, stages[i].SaveMs, stages[i].DeliverMs, stages[i].StoreMs);
        }

        return new RuntimeView(
            process.WorkingSet64 / MiB,
            process.PeakWorkingSet64 / MiB,
            GC.GetTotalMemory(false) / MiB,
            info.HeapSizeBytes / MiB,
            info.TotalCommittedBytes / MiB,
            info.FragmentedBytes / MiB,
            GC.CollectionCount(0),
            GC.CollectionCount(1),
            GC.CollectionCount(2),
            GC.GetTotalPauseDuration().TotalMilliseconds,
            info.PauseTimePercentage,
            (GCSettings.IsServerGC ? "server" : "workstation") + "/" + GCSettings.LatencyMode,
            ThreadPool.ThreadCount,
            ThreadPool.PendingWorkItemCount,
            ThreadPool.CompletedWorkItemCount,
            HotPathMetrics.ActivePlaces,
            process.TotalProcessorTime.TotalMilliseconds,
            GC.GetTotalAllocatedBytes(precise: false),
            new AlertStagesView(HotPathMetrics.AlertBatches, toGrain, save, deliver, store));
    }
}
