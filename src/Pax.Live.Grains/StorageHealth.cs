namespace Pax.Live.Grains;

/// <summary>
/// What this silo last saw of its storage. When a write failed moments ago, grains do not make the next system
/// change wait on the database (a connection timeout per alert would stall ingest during an outage); they keep the
/// change in memory and their retry stores it.
/// </summary>
public sealed class StorageHealth(TimeProvider clock)
{
    private static readonly TimeSpan Suspicion = TimeSpan.FromSeconds(10);

    /// <summary>Above this many queued writes, periodic snapshots wait for a later tick.</summary>
    public const int CongestedAt = 64;

    private long _lastFailureTicks;
    private int _queuedWrites;

    /// <summary>Whether a write failed within the last 10 s.</summary>
    public bool RecentlyFailed => clock.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastFailureTicks) < Suspicion.Ticks;

    /// <summary>Records a failed write.</summary>
    public void Failed() => Interlocked.Exchange(ref _lastFailureTicks, clock.GetUtcNow().UtcTicks);

    /// <summary>
    /// Whether the storage has more writes queued than it keeps up with: a place then puts off its periodic snapshot
    /// (nothing is lost, the next one carries everything), so that alerts and operators' changes are not queued behind
    /// a wave of snapshots.
    /// </summary>
    public bool Congested => Volatile.Read(ref _queuedWrites) > CongestedAt;

    /// <summary>Reports how many writes wait for the database (storage that queues its writes calls this).</summary>
    public void ReportQueuedWrites(int queued) => Volatile.Write(ref _queuedWrites, queued);
}
