namespace Pax.Live.Server.Ui;

/// <summary>The web UI's settings, section <c>Pax:Ui</c>.</summary>
public sealed class UiOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Ui";

    /// <summary>
    /// A Leaflet tile URL template (<c>https://tiles.example/{z}/{x}/{y}.png</c>). Empty: no map tiles, the places still
    /// stand at their coordinates. Control rooms run on closed networks, so there is no default.
    /// </summary>
    public string TileUrl { get; set; } = "";

    /// <summary>The attribution the tile server asks for.</summary>
    public string TileAttribution { get; set; } = "";

    /// <summary>Data older than this looks stale on the board.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromSeconds(60);
}
