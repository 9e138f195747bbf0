using Pax.Live.Aggregation;

namespace Pax.Live.Server.Hosting;

/// <summary>Level timings every place starts from, section <c>Pax:Levels</c>.</summary>
public sealed class LevelOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Levels";

    /// <summary>Silence from every device of a place for this long makes its level unknown.</summary>
    public TimeSpan UnknownAfter { get; set; } = PlaceRules.Default.UnknownAfter;

    /// <summary>How long an alert-grade cause holds a place after it was last seen.</summary>
    public TimeSpan CauseHold { get; set; } = PlaceRules.Default.CauseHold;

    /// <summary>The least time at a level before the level may step down.</summary>
    public TimeSpan MinLevelDuration { get; set; } = PlaceRules.Default.MinLevelDuration;
}
