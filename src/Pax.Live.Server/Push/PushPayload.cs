using System.Text.Json;
using System.Text.Json.Serialization;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Push;

/// <summary>
/// What a push tells the phone: only what the notification needs, no person. <c>Dispatched</c>: the alert was
/// dispatched to this guard (the phone confirms receipt and offers to accept); otherwise it is a new alert of their area.
/// </summary>
public sealed record PushPayload(
    [property: JsonPropertyName("alertId")] string AlertId,
    [property: JsonPropertyName("place")] string Place,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("severity")] int Severity,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("dispatched")] bool Dispatched)
{
    /// <summary>The payload of an alert event; <paramref name="placeName"/> is the place's name in the catalogue.</summary>
    public static PushPayload Of(AlertView alert, string placeName, bool dispatched) =>
        new(alert.AlertId, placeName, alert.Kind.Name(), alert.Severity, dispatched ? alert.DispatchedAt ?? alert.LastSeen : alert.RaisedAt, dispatched);

    /// <summary>The payload as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this);
}
