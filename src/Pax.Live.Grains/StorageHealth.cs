namespace Pax.Live.Grains;

/// <summary>
/// What this silo last saw of its storage. When a write failed moments ago, grains do not make the next system
/// change wait on the database (a connection timeout per alert would stall ingest during an outage); they keep the
/// change in memory and their retry stores it.
/// </summary>
public sealed class StorageHealth(TimeProvider clock)
{
    private static readonly TimeSpan Suspicion = TimeSpan.FromSeconds(10);

    private long _lastFailureTicks;

    /// <summary>Whether a write failed within the last 10 s.</summary>
    public bool RecentlyFailed => clock.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastFailureTicks) < Suspicion.Ticks;

    /// <summary>Records a failed write.</summary>
    public void Failed() => Interlocked.Exchange(ref _lastFailureTicks, clock.GetUtcNow().UtcTicks);
}
