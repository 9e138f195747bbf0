using Pax.Live.Aggregation;

namespace Pax.Live.Grains;

/// <summary>The timings every place starts from (silence, hold, minimum level duration); places add their own thresholds.</summary>
public sealed record LevelDefaults(PlaceRules Rules)
{
    /// <summary>The core's defaults.</summary>
    public static LevelDefaults Standard { get; } = new(PlaceRules.Default);
}
