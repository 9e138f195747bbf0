using Pax.Live.Abstractions;
using Pax.Live.Aggregation;

namespace Pax.Live.Grains;

/// <summary>The timings every place starts from (silence, hold, minimum level duration); places add their own thresholds.</summary>
public sealed record LevelDefaults(PlaceRules Rules)
{
    /// <summary>The core's defaults.</summary>
    public static LevelDefaults Standard { get; } = new(PlaceRules.Default);

    /// <summary>A place's own rules: these defaults with its definition's thresholds (the model applies focus).</summary>
    public PlaceRules RulesFor(PlaceDefinition? definition) => definition is null ? Rules : With(definition.Thresholds);

    /// <summary>These defaults with <paramref name="thresholds"/>.</summary>
    public PlaceRules With(PlaceThresholds thresholds) => Rules with
    {
        MotionThreshold = thresholds.Motion,
        PeopleThreshold = thresholds.People,
        LoiterThreshold = thresholds.Loiter,
        SoundThreshold = thresholds.Sound,
        Dwell = TimeSpan.FromSeconds(thresholds.DwellSeconds),
    };
}
