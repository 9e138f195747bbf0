namespace Pax.Live.Contracts;

/// <summary>What a topic carries.</summary>
public enum TopicKind : byte
{
    /// <summary><c>pax/v1/{placeId}/{deviceId}/signals</c>: a signal message.</summary>
    Signals,
    /// <summary><c>pax/v1/{placeId}/{deviceId}/status</c>: <c>online</c> or <c>offline</c>, retained.</summary>
    Status,
}

/// <summary>A parsed topic: ranges into the topic string, so parsing allocates nothing.</summary>
public readonly record struct Topic(TopicKind Kind, Range Place, Range Device)
{
    /// <summary>The prefix every v1 topic starts with.</summary>
    public const string Prefix = "pax/v1/";

    /// <summary>The signals topic of a place and device.</summary>
    public static string Signals(string placeId, string deviceId) => $"{Prefix}{placeId}/{deviceId}/signals";

    /// <summary>The status topic of a place and device.</summary>
    public static string Status(string placeId, string deviceId) => $"{Prefix}{placeId}/{deviceId}/status";

    /// <summary>
    /// Parses <paramref name="topic"/>. Returns <see cref="RejectReason.None"/> and the parts, <see cref="RejectReason.Topic"/>
    /// for a topic of another shape, or <see cref="RejectReason.BadId"/> when the shape is right but an id is not.
    /// </summary>
    public static RejectReason TryParse(ReadOnlySpan<char> topic, out Topic parsed)
    {
        parsed = default;
        if (!topic.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return RejectReason.Topic;
        }

        var rest = topic[Prefix.Length..];
        var firstSlash = rest.IndexOf('/');
        if (firstSlash < 0)
        {
            return RejectReason.Topic;
        }

        var afterPlace = rest[(firstSlash + 1)..];
        var secondSlash = afterPlace.IndexOf('/');
        if (secondSlash < 0)
        {
            return RejectReason.Topic;
        }

        var leaf = afterPlace[(secondSlash + 1)..];
        TopicKind kind;
        if (leaf.SequenceEqual("signals"))
        {
            kind = TopicKind.Signals;
        }
        else if (leaf.SequenceEqual("status"))
        {
            kind = TopicKind.Status;
        }
        else
        {
            return RejectReason.Topic;
        }

        var placeStart = Prefix.Length;
        var deviceStart = placeStart + firstSlash + 1;
        var place = placeStart..(placeStart + firstSlash);
        var device = deviceStart..(deviceStart + secondSlash);
        if (!Ids.IsValid(topic[place]) || !Ids.IsValid(topic[device]))
        {
            return RejectReason.BadId;
        }

        parsed = new Topic(kind, place, device);
        return RejectReason.None;
    }
}
