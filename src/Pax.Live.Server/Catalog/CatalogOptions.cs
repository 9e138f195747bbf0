namespace Pax.Live.Server.Catalog;

/// <summary>Catalogue settings, section <c>Pax:Catalog</c>.</summary>
public sealed class CatalogOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Catalog";

    /// <summary>A JSON file of places added at start when they are missing (relative paths from the app's folder). Empty: none.</summary>
    public string SeedFile { get; set; } = "places/sample-places.json";

    /// <summary>
    /// A JSON object of GeoJSON site plans by area, stored at start for the seed file's areas that never had a plan
    /// (a deleted plan is not brought back). Read only when <see cref="SeedFile"/> is. Empty: none.
    /// </summary>
    public string SitePlanSeedFile { get; set; } = "places/sample-siteplans.json";
}
