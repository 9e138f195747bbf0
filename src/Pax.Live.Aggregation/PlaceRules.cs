using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// How a place turns readings into a level. Thresholds are per periodic kind (<c>motion</c>, <c>people</c>,
/// <c>loiter</c>, <c>sound</c>); a missing threshold means that kind never elevates the place.
/// </summary>
public sealed record PlaceRules
{
    /// <summary>Rules with no thresholds and the default timings.</summary>
    public static PlaceRules Default { get; } = new();

    /// <summary>Motion share above which the place counts as busy.</summary>
    public double? MotionThreshold { get; init; }

    /// <summary>People count above which the place counts as crowded.</summary>
    public double? PeopleThreshold { get; init; }

    /// <summary>Loiter seconds above which presence counts as loitering.</summary>
    public double? LoiterThreshold { get; init; }

    /// <summary>Sound level (dBA) above which the place counts as loud.</summary>
    public double? SoundThreshold { get; init; }

    /// <summary>How long a periodic kind must stay over its threshold before the place is elevated.</summary>
    public TimeSpan Dwell { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Silence from every device of the place for this long makes the level unknown.</summary>
    public TimeSpan UnknownAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>How long an alert-grade cause (or a severity-2 report) holds the place after its last occurrence.</summary>
    public TimeSpan CauseHold { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>The least time a place stays at a level before it may step down: levels rise at once and fall slowly.</summary>
    public TimeSpan MinLevelDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A kind over its threshold counts as clear again only below threshold × this ratio, so a value hovering
    /// around the threshold does not flap.
    /// </summary>
    public double ClearRatio { get; init; } = 0.8;

    /// <summary>Fire confidence from which fire is an alert.</summary>
    public double FireAlertAt { get; init; } = 0.8;

    /// <summary>
    /// Fire confidence from which an alert is of the highest severity (3); between <see cref="FireAlertAt"/> and this
    /// it is a candidate for a person to confirm (severity 2), escalated after the medium wait rather than the short one.
    /// </summary>
    public double FireCertainAt { get; init; } = 0.9;

    /// <summary>
    /// The weight of each new reading in a kind's exponentially weighted moving average (0..1]: 0.2 follows the last
    /// few readings and smooths single spikes.
    /// </summary>
    public double EwmaAlpha { get; init; } = 0.2;

    /// <summary>
    /// The anomaly score (standard deviations of a periodic kind's moving average above what the place usually shows
    /// in this hour of the week) from which the kind counts as unusual; it must stay so for <see cref="Dwell"/> to
    /// elevate the place, and clears below this × <see cref="ClearRatio"/>. Infinity switches anomalies off.
    /// </summary>
    public double AnomalyScore { get; init; } = 4;

    /// <summary>
    /// The least samples (bucket means, one per 5 s of readings) an hour of the week must have learned before its
    /// baseline may call anything unusual: a fresh place is never anomalous. 360 is half an hour of readings.
    /// </summary>
    public int MinBaselineSamples { get; init; } = 360;

    /// <summary>The place's time zone: its hours of the week are local hours (Saturday noon is noon on the square).</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>The threshold of a periodic kind, or <see cref="double.NaN"/> when it has none.</summary>
    public double ThresholdOf(SignalKind kind) => kind switch
    {
        SignalKind.Motion => MotionThreshold ?? double.NaN,
        SignalKind.People => PeopleThreshold ?? double.NaN,
        SignalKind.Loiter => LoiterThreshold ?? double.NaN,
        SignalKind.Sound => SoundThreshold ?? double.NaN,
        _ => double.NaN,
    };
}
