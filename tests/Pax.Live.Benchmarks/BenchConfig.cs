using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Pax.Live.Benchmarks;

/// <summary>
/// The default job: a short run in this process. The machine these run on is shared (2 cores), so the default spends
/// seconds, not minutes, and builds nothing more; pass <c>--job default</c> (or medium, long) for tighter intervals.
/// </summary>
public static class BenchConfig
{
    /// <summary>The config for a run with <paramref name="args"/>.</summary>
    public static IConfig Create(string[] args)
    {
        var config = DefaultConfig.Instance
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumn(StatisticColumn.OperationsPerSecond);
        if (Array.Exists(args, a => a is "--job" or "-j" or "--inProcess" or "-i" or "--runtimes" or "-r"))
        {
            return config;
        }

        return config.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("short-inproc"));
    }
}
