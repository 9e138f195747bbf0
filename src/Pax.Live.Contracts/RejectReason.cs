namespace Pax.Live.Contracts;

/// <summary>Why a message was not accepted. The wire names (<see cref="RejectReasons.Name"/>) appear in stats and logs.</summary>
public enum RejectReason : byte
{
    /// <summary>Accepted.</summary>
    None = 0,
    /// <summary>The topic is not <c>pax/v1/{placeId}/{deviceId}/signals</c> or <c>…/status</c>.</summary>
    Topic,
    /// <summary>A place or device id does not match <c>^[a-z0-9][a-z0-9-]{0,63}$</c>.</summary>
    BadId,
    /// <summary>The payload is over 4 KiB.</summary>
    TooLarge,
    /// <summary>The payload is not well-formed UTF-8 JSON.</summary>
    NotJson,
    /// <summary>Well-formed JSON, but not the contract's shape (missing or mistyped <c>ts</c>, <c>signals</c>, <c>kind</c>, <c>value</c>).</summary>
    BadShape,
    /// <summary>A signal's kind is not one of the contract's kinds.</summary>
    UnknownKind,
    /// <summary>A value is NaN, infinite, or too large to be a double.</summary>
    NotFinite,
    /// <summary>A value is outside its kind's range.</summary>
    OutOfRange,
    /// <summary>No signals, or more than 64.</summary>
    SignalCount,
    /// <summary><c>ts</c> is more than 5 minutes ahead of the server's clock.</summary>
    FutureTimestamp,
    /// <summary>The place is not in the catalogue.</summary>
    UnknownPlace,
    /// <summary>A status payload other than <c>online</c> or <c>offline</c>.</summary>
    BadStatus,
    /// <summary>A periodic signal dropped because ingest was overloaded (event kinds are never dropped).</summary>
    Overload,
    /// <summary>A device published outside its own topics (<c>pax/v1/{its place}/{its id}/…</c>).</summary>
    NotAllowed,
    /// <summary>A device published faster than its limit allows (alert-grade kinds pass up to a cap of their own).</summary>
    RateLimited,
    /// <summary>A topic alias above the broker's maximum (<c>Pax:Mqtt:TopicAliasMaximum</c>): the message is dropped and the connection closed.</summary>
    TopicAlias,
    /// <summary>A QoS 2 message sent again under a packet id the device has not released: answered, not processed twice.</summary>
    Duplicate,
}

/// <summary>Wire names of <see cref="RejectReason"/>.</summary>
public static class RejectReasons
{
    /// <summary>How many reasons there are, including <see cref="RejectReason.None"/>.</summary>
    public const int Count = (int)RejectReason.Duplicate + 1;

    private static readonly string[] Names =
    [
        "none", "topic", "bad_id", "too_large", "not_json", "bad_shape", "unknown_kind",
        "not_finite", "out_of_range", "signal_count", "future_ts", "unknown_place", "bad_status", "overload",
        "not_allowed", "rate_limited", "topic_alias", "duplicate",
    ];

    /// <summary>The snake_case name used in <c>/api/ingest/stats</c> and the logs.</summary>
    public static string Name(this RejectReason reason) => Names[(int)reason];
}
