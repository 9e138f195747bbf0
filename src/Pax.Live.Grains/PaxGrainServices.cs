using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Pax.Live.Grains;

/// <summary>
/// What the grains take from their silo's services, registered in one place for the server, the test cluster and the
/// benchmarks. Each caller passes its clock and timings; what it registered before (its history store, its push
/// sender, options bound from configuration) stays, and what it did not falls back to a default that does nothing.
/// </summary>
public static class PaxGrainServices
{
    /// <summary>Adds the grains' services.</summary>
    public static IServiceCollection AddPaxGrains(
        this IServiceCollection services, TimeProvider clock, LevelDefaults levels, PlaceSnapshotOptions snapshots, PlaceTickOptions ticks)
    {
        services.AddKeyedSingleton(PaxClock.Key, clock);
        services.AddSingleton(levels);
        services.AddSingleton(snapshots);
        services.AddSingleton(ticks);
        services.TryAddSingleton<StorageHealth>();
        services.TryAddSingleton(new LiveOptions());
        services.TryAddSingleton(new EscalationOptions());
        services.TryAddSingleton<IHistorySink>(NullHistorySink.Instance);
        services.TryAddSingleton<IAlertPushSink>(NullAlertPushSink.Instance);
        return services;
    }
}
