using Pax.Live.Contracts;

namespace Pax.Live.Abstractions;

/// <summary>
/// A place in the catalogue: where it is, what it is, and the thresholds that decide its level. <c>CreatedAt</c>: when
/// the catalogue first had it (null for places stored before it was kept), so that a report does not count the time
/// before as hours of an unknown level.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.PlaceDefinition")]
public sealed record PlaceDefinition(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Kind,
    [property: Id(3)] double Latitude,
    [property: Id(4)] double Longitude,
    [property: Id(5)] PlaceThresholds Thresholds,
    [property: Id(6)] string? Area = null,
    [property: Id(7)] DateTimeOffset? CreatedAt = null);

/// <summary>
/// Thresholds of a place's periodic kinds (null: that kind never elevates the place) and how long a kind must stay
/// over its threshold before the place is elevated.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.PlaceThresholds")]
public sealed record PlaceThresholds(
    [property: Id(0)] double? Motion,
    [property: Id(1)] double? People,
    [property: Id(2)] double? Loiter,
    [property: Id(3)] double? Sound,
    [property: Id(4)] int DwellSeconds)
{
    /// <summary>No thresholds, 30 s dwell.</summary>
    public static PlaceThresholds None { get; } = new(null, null, null, null, 30);
}

/// <summary>The latest value of one kind at a place.</summary>
[GenerateSerializer, Immutable, Alias("pax.KindValue")]
public readonly record struct KindValue(
    [property: Id(0)] SignalKind Kind,
    [property: Id(1)] double Value,
    [property: Id(2)] DateTimeOffset At);

/// <summary>A device of a place as the server last heard of it.</summary>
[GenerateSerializer, Immutable, Alias("pax.DeviceInfo")]
public sealed record DeviceInfo(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] bool Online,
    [property: Id(2)] DateTimeOffset LastSeen);

/// <summary>An open alert of a place: one per cause, updated by repeats.</summary>
[GenerateSerializer, Immutable, Alias("pax.OpenAlert")]
public sealed record OpenAlert(
    [property: Id(0)] string AlertId,
    [property: Id(1)] SignalKind Kind,
    [property: Id(2)] int Severity,
    [property: Id(3)] DateTimeOffset RaisedAt,
    [property: Id(4)] DateTimeOffset LastSeen,
    [property: Id(5)] int Count,
    [property: Id(6)] string Summary,
    [property: Id(7)] double? Value = null,
    [property: Id(8)] string? DeviceId = null);

/// <summary>An operator silenced one alert cause at a place for a while: it raises no new alert until then.</summary>
[GenerateSerializer, Immutable, Alias("pax.Snooze")]
public sealed record Snooze(
    [property: Id(0)] SignalKind Kind,
    [property: Id(1)] DateTimeOffset Until,
    [property: Id(2)] string By,
    [property: Id(3)] string Why);

/// <summary>"Punktmarkera": an operator put the place in focus for a while — lower thresholds, guards see it first.</summary>
[GenerateSerializer, Immutable, Alias("pax.Focus")]
public sealed record Focus(
    [property: Id(0)] DateTimeOffset Until,
    [property: Id(1)] string By,
    [property: Id(2)] string Why);

/// <summary>An alert whose cause has cleared: kept with the place as its recent history.</summary>
[GenerateSerializer, Immutable, Alias("pax.ClosedAlert")]
public sealed record ClosedAlert(
    [property: Id(0)] OpenAlert Alert,
    [property: Id(1)] DateTimeOffset ClosedAt);

/// <summary>The live status of a place.</summary>
[GenerateSerializer, Immutable, Alias("pax.PlaceStatus")]
public sealed record PlaceStatus(
    [property: Id(0)] string PlaceId,
    [property: Id(1)] Level Level,
    [property: Id(2)] DateTimeOffset LevelSince,
    [property: Id(3)] DateTimeOffset? UpdatedAt,
    [property: Id(4)] KindValue[] Values,
    [property: Id(5)] OpenAlert[] OpenAlerts,
    [property: Id(6)] DeviceInfo[] Devices,
    [property: Id(7)] ClosedAlert[] RecentAlerts,
    [property: Id(8)] DateTimeOffset? LastGuardVisit,
    [property: Id(9)] DateTimeOffset? LastStaffVisit,
    [property: Id(10)] Snooze[] Snoozes,
    [property: Id(11)] Focus? Focus);
