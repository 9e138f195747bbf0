using Pax.Live.Contracts;

namespace Pax.Live.Abstractions;

/// <summary>
/// A place's level or values changed. Coalesced per place before it reaches clients. <c>UpdatedAt</c> is when the
/// place last heard from a device (null: never), so a client can show the age of the data.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.PlaceStatusChanged")]
public sealed record PlaceStatusChanged(
    [property: Id(0)] string PlaceId,
    [property: Id(1)] Level Level,
    [property: Id(2)] IReadOnlyDictionary<string, double> Values,
    [property: Id(3)] DateTimeOffset? UpdatedAt);

/// <summary>An alert-grade cause opened an alert at a place. Delivered at once.</summary>
[GenerateSerializer, Immutable, Alias("pax.AlertRaised")]
public sealed record AlertRaised(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string PlaceId,
    [property: Id(2)] SignalKind Kind,
    [property: Id(3)] int Severity,
    [property: Id(4)] DateTimeOffset RaisedAt,
    [property: Id(5)] string Summary,
    [property: Id(6)] string? Area = null,
    [property: Id(7)] double? Value = null)
{
    /// <summary>The event of an alert's first view.</summary>
    public static AlertRaised Of(AlertView alert) =>
        new(alert.AlertId, alert.PlaceId, alert.Kind, alert.Severity, alert.RaisedAt, alert.Summary, alert.Area, alert.Value);
}
