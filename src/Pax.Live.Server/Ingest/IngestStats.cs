using Pax.Live.Contracts;

namespace Pax.Live.Server.Ingest;

/// <summary>Counts of accepted messages and of rejected ones by reason. Lock-free; read at <c>GET /api/ingest/stats</c>.</summary>
public sealed class IngestStats
{
    private readonly long[] _counts = new long[RejectReasons.Count];
    private readonly long[] _refused = new long[4];

    /// <summary>Counts one message: accepted when <paramref name="reason"/> is <see cref="RejectReason.None"/>.</summary>
    public void Count(RejectReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    /// <summary>Messages accepted.</summary>
    public long Accepted => Interlocked.Read(ref _counts[(int)RejectReason.None]);

    /// <summary>Messages rejected for <paramref name="reason"/>.</summary>
    public long Rejected(RejectReason reason) => Interlocked.Read(ref _counts[(int)reason]);

    /// <summary>Counts one MQTT connection the broker turned away.</summary>
    public void Refused(ConnectionRefusal why) => Interlocked.Increment(ref _refused[(int)why]);

    /// <summary>Connections refused for <paramref name="why"/>.</summary>
    public long RefusedConnections(ConnectionRefusal why) => Interlocked.Read(ref _refused[(int)why]);

    /// <summary>
    /// The stats document: <c>{"accepted": n, "rejected": {"reason": n, …}, "refusedConnections": {"why": n, …}}</c>,
    /// every reason listed.
    /// </summary>
    public IngestStatsView Snapshot()
    {
        var rejected = new SortedDictionary<string, long>(StringComparer.Ordinal);
        for (var i = 1; i < _counts.Length; i++)
        {
            rejected[((RejectReason)i).Name()] = Interlocked.Read(ref _counts[i]);
        }

        var refused = new SortedDictionary<string, long>(StringComparer.Ordinal)
        {
            ["anonymous"] = RefusedConnections(ConnectionRefusal.Anonymous),
            ["bad_credentials"] = RefusedConnections(ConnectionRefusal.BadCredentials),
            ["revoked"] = RefusedConnections(ConnectionRefusal.Revoked),
            ["client_id"] = RefusedConnections(ConnectionRefusal.ClientId),
        };
        return new IngestStatsView(Accepted, rejected, refused);
    }
}

/// <summary>Why the broker turned a connection away.</summary>
public enum ConnectionRefusal
{
    /// <summary>No user name, and anonymous devices are not allowed.</summary>
    Anonymous,
    /// <summary>An unknown device, or the wrong secret.</summary>
    BadCredentials,
    /// <summary>A revoked device.</summary>
    Revoked,
    /// <summary>A client id that is not the device's own (its id, or <c>{placeId}.{deviceId}</c>): it would take over another's session.</summary>
    ClientId,
}

/// <summary>The wire shape of <c>GET /api/ingest/stats</c>.</summary>
public sealed record IngestStatsView(long Accepted, IReadOnlyDictionary<string, long> Rejected, IReadOnlyDictionary<string, long> RefusedConnections);
