namespace Pax.Live.Testing;

/// <summary>The events as they travel on the wire; strings where the contract says strings, so the tests check the names.</summary>
public sealed record StatusEvent(string PlaceId, string Level, Dictionary<string, double> Values, DateTimeOffset? UpdatedAt);

public sealed record AlertEvent(string AlertId, string PlaceId, string Kind, int Severity, DateTimeOffset RaisedAt, string Summary)
{
    /// <summary>Where it stands in its audience's feed.</summary>
    public Position? Position { get; init; }
}

public sealed record Position(string Audience, long Epoch, long Seq);

public sealed record FeedEntry(Position Position, AlertEvent? Raised, AlertChangedEvent? Changed);

public sealed record FeedPage(string Audience, long Epoch, long Seq, bool Reset, FeedEntry[] Entries, AlertEvent[] Open);

public sealed record StatsDocument(long Accepted, Dictionary<string, long> Rejected, Dictionary<string, long>? RefusedConnections = null);

public sealed record AlertChangedEvent(string AlertId, string PlaceId, string Kind, string State, string? Guard, string? Area)
{

    /// <summary>Where it stands in its audience's feed.</summary>
    public Position? Position { get; init; }
}
