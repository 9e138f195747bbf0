namespace Pax.Live.Server;

/// <summary>
/// Signalled when a node has been declared dead (by cluster recovery): the places that were there are reachable again
/// on the survivors, so a call to a place waiting to be retried (ingest's) should not wait out a pause as well.
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
