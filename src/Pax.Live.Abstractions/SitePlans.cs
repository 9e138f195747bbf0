namespace Pax.Live.Abstractions;

/// <summary>A point in WGS 84.</summary>
[GenerateSerializer, Immutable, Alias("pax.GeoPoint")]
public readonly record struct GeoPoint(
    [property: Id(0)] double Latitude,
    [property: Id(1)] double Longitude);

/// <summary>Where an image's corners lie on the ground, clockwise from its top left.</summary>
[GenerateSerializer, Immutable, Alias("pax.ImageCorners")]
public sealed record ImageCorners(
    [property: Id(0)] GeoPoint TopLeft,
    [property: Id(1)] GeoPoint TopRight,
    [property: Id(2)] GeoPoint BottomRight,
    [property: Id(3)] GeoPoint BottomLeft);

/// <summary>
/// An area's site plan, drawn under the places when no tile server is configured: either outlines of streets and
/// squares (<see cref="Outlines"/>, a checked GeoJSON FeatureCollection as text) or an image placed on its corners.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.SitePlan")]
public sealed record SitePlan(
    [property: Id(0)] string Area,
    [property: Id(1)] string? Outlines,
    [property: Id(2)] string? ImageType,
    [property: Id(3)] byte[]? Image,
    [property: Id(4)] ImageCorners? Corners,
    [property: Id(5)] DateTimeOffset UpdatedAt,
    [property: Id(6)] string UpdatedBy)
{
    /// <summary>The plan without its image's bytes, for listings.</summary>
    public SitePlan WithoutImage() => Image is null ? this : this with { Image = null };
}
