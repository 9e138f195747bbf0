using Pax.Live.Contracts;

namespace Pax.Live.Server.Ingest;

/// <summary>Counts of accepted messages and of rejected ones by reason. Lock-free; read at <c>GET /api/ingest/stats</c>.</summary>
public sealed class IngestStats
{
    private readonly long[] _counts = new long[RejectReasons.Count];

    /// <summary>Counts one message: accepted when <paramref name="reason"/> is <see cref="RejectReason.None"/>.</summary>
    public void Count(RejectReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    /// <summary>Messages accepted.</summary>
    public long Accepted => Interlocked.Read(ref _counts[(int)RejectReason.None]);

    /// <summary>Messages rejected for <paramref name="reason"/>.</summary>
    public long Rejected(RejectReason reason) => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>The stats document: <c>{"accepted": n, "rejected": {"reason": n, …}}</c>, every reason listed.</summary>
    public IngestStatsView Snapshot()
    {
        var rejected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < _counts.Length; i++)
        {
            rejected[((RejectReason)i).Name()] = Interlocked.Read(ref _counts[i]);
        }

        return new IngestStatsView(Accepted, rejected);
    }
}

/// <summary>The wire shape of <c>GET /api/ingest/stats</c>.</summary>
public sealed record IngestStatsView(long Accepted, IReadOnlyDictionary<string, long> Rejected);
