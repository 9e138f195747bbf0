namespace Pax.Live.Server.Catalog;

/// <summary>Site plan settings, section <c>Pax:SitePlans</c>.</summary>
public sealed class SitePlanOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:SitePlans";

    /// <summary>The largest image an admin may upload, in bytes (the whole plan is kept in the database and sent to every page).</summary>
    public int MaxImageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>The largest GeoJSON outline document, in bytes.</summary>
    public int MaxOutlinesBytes { get; set; } = 2 * 1024 * 1024;
}
