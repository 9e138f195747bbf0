namespace Pax.Live.Server.Ingest;

/// <summary>
/// Wakes the ingest's waiting retries at once when a node has been declared dead: the places that were there are
/// reachable again on the survivors, and an alert that waited for its place should not wait out a pause as well.
/// </summary>
public static class PlacesMoved
{
    private static CancellationTokenSource s_next = new();

    /// <summary>Cancelled at the next signal.</summary>
    public static CancellationToken Next => Volatile.Read(ref s_next).Token;

    /// <summary>Wakes every retry waiting on <see cref="Next"/>.</summary>
    public static void Signal()
    {
        // Not disposed: a retry may still be registering on its token; one small object per node death.
        Interlocked.Exchange(ref s_next, new CancellationTokenSource()).Cancel();
    }
}
