using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Tests;

/// <summary>
/// The baseline per hour of the week and the anomaly score against it. Times are local to Stockholm: a torg that is
/// crowded at 03:00 on a Monday is unusual, at Saturday noon it is not.
/// </summary>
public sealed class BaselineTests
{
    private const long HourMs = 3_600_000;
    private const long WeekMs = 168 * HourMs;
    private const int MondayThree = 3;
    private const int SaturdayNoon = (5 * 24) + 12;

    private static readonly TimeZoneInfo Stockholm = TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");

    // Monday 2026-11-23 00:00 in Stockholm (CET, UTC+1); no daylight-saving change in the two weeks used.
    private static readonly long Week0 = new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.FromHours(1)).ToUnixTimeMilliseconds();

    private static readonly PlaceRules Rules = PlaceRules.Default with { TimeZone = Stockholm };

    private static long Local(int week, int hourOfWeek, int seconds = 0) => Week0 + (week * WeekMs) + (hourOfWeek * HourMs) + (seconds * 1000L);

    /// <summary>One people reading every 5 s for <paramref name="seconds"/>, evaluated after each as the grain does; returns the last time.</summary>
    private static long Feed(PlaceAggregator place, long fromMs, int seconds, Func<int, double> people)
    {
        var t = fromMs;
        for (var i = 0; i * 5 < seconds; i++)
        {
            t = fromMs + (i * 5_000L);
            place.Record(SignalKind.People, people(i), t, t);
            place.Evaluate(t);
        }

        return t;
    }

    /// <summary>A place that has learned a quiet Monday night (1–3 people) and a busy Saturday noon (35–45 people).</summary>
    private static PlaceAggregator Trained(PlaceRules? rules = null, int seconds = 3600)
    {
        var place = new PlaceAggregator(rules ?? Rules, Local(0, 0));
        Feed(place, Local(0, MondayThree), seconds, i => i % 2 == 0 ? 1 : 3);
        Feed(place, Local(0, SaturdayNoon), seconds, i => i % 2 == 0 ? 35 : 45);
        return place;
    }

    [Fact]
    public void BaselineLearnsOneSamplePerBucketMean()
    {
        var place = new PlaceAggregator(Rules, Local(0, 0));
        var t = Local(0, MondayThree);

        place.Record(SignalKind.People, 10, t, t);
        place.Record(SignalKind.People, 20, t + 1_000, t + 1_000);
        place.Record(SignalKind.People, 99, t + 5_000, t + 5_000);

        var baseline = place.Baseline(SignalKind.People, t);
        Assert.Equal(1, baseline.Count);
        Assert.Equal(15, baseline.Mean);
    }

    [Fact]
    public void BaselineIsKeptPerHourOfTheWeek()
    {
        var place = Trained();

        var night = place.Baseline(SignalKind.People, Local(1, MondayThree));
        var noon = place.Baseline(SignalKind.People, Local(1, SaturdayNoon));
        Assert.Equal(720, night.Count);
        Assert.Equal(2, night.Mean, 3);
        Assert.Equal(1, night.StdDev, 2);
        Assert.Equal(40, noon.Mean, 1);
        Assert.Equal(5, noon.StdDev, 2);
        Assert.Equal(0, place.Baseline(SignalKind.People, Local(1, MondayThree + 1)).Count);
    }

    [Fact]
    public void AnHourThatHasLearnedItsMostKeepsLearningWithoutLosingItsCount()
    {
        // 92 weeks of the same hour: more 5 s samples (66,240) than a cell counts. In UTC, so no DST moves the hour.
        var place = new PlaceAggregator(PlaceRules.Default with { TimeZone = TimeZoneInfo.Utc }, Week0);
        for (var week = 0; week < 92; week++)
        {
            Feed(place, Week0 + (week * WeekMs) + (3 * HourMs), 3600, i => i % 2 == 0 ? 1 : 3);
        }

        var full = place.Baseline(SignalKind.People, Week0 + (3 * HourMs));
        Assert.Equal(ushort.MaxValue, full.Count);
        Assert.Equal(2, full.Mean, 3);
        Assert.Equal(1, full.StdDev, 2);

        // Past the count a sample still moves the hour, by 1/65,535 of its distance (winsorised to the anomaly score).
        Feed(place, Week0 + (92 * WeekMs) + (3 * HourMs), 3600, _ => 30);
        var moved = place.Baseline(SignalKind.People, Week0 + (3 * HourMs));
        Assert.Equal(ushort.MaxValue, moved.Count);
        Assert.InRange(moved.Mean, 2.05, 2.15); // 2 + 720 · 8 / 65,535 ≈ 2.09: each sample is clipped to 2 + 4σ = 10
        Assert.InRange(moved.StdDev, 1.2, 1.4); // variance 1 + 720 · 8² / 65,535 ≈ 1.7
    }

    [Fact]
    public void EventKindsHaveNoBaseline()
    {
        var place = new PlaceAggregator(Rules, Local(0, 0));
        place.Record(SignalKind.Impulse, 1, Local(0, 1), Local(0, 1));
        place.Record(SignalKind.Impulse, 1, Local(0, 2), Local(0, 2));

        Assert.Equal(0, place.Baseline(SignalKind.Impulse, Local(0, 1)).Count);
        Assert.True(double.IsNaN(place.AnomalyScore(SignalKind.Impulse, Local(0, 2))));
    }

    [Fact]
    public void FreshPlaceIsNeverAnomalous()
    {
        var place = new PlaceAggregator(Rules, Local(0, 0));

        var end = Feed(place, Local(0, MondayThree), 600, i => i < 60 ? 1 : 5_000);

        Assert.True(double.IsNaN(place.AnomalyScore(SignalKind.People, end)));
        Assert.False(place.IsAnomalous(SignalKind.People));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void HourWithTooFewSamplesIsNeverAnomalous()
    {
        // 25 minutes learned: 300 samples, under the 360 the rules ask for.
        var place = Trained(seconds: 1500);

        var end = Feed(place, Local(1, MondayThree), 120, _ => 40);

        Assert.True(double.IsNaN(place.AnomalyScore(SignalKind.People, end)));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void CrowdAtThreeInTheMorningElevatesAfterTheDwell()
    {
        var place = Trained();

        // The place was silent since Saturday: its average starts over at the first reading, 19 σ over the usual 2.
        var start = Local(1, MondayThree);
        var t = Feed(place, start, 10, _ => 40);
        Assert.True(place.AnomalyScore(SignalKind.People, t) >= Rules.AnomalyScore);
        Assert.True(place.IsAnomalous(SignalKind.People));
        Assert.Equal(Level.Calm, place.Level);

        var end = Feed(place, t + 5_000, 60, _ => 40);
        Assert.Equal(Level.Elevated, place.Level);
        Assert.Equal(start + (long)Rules.Dwell.TotalMilliseconds, place.LevelSince);
        Assert.True(place.AnomalyScore(SignalKind.People, end) > 10);
    }

    [Fact]
    public void SameCrowdAtSaturdayNoonIsCalm()
    {
        var place = Trained();

        var end = Feed(place, Local(1, SaturdayNoon), 120, _ => 40);

        Assert.True(place.AnomalyScore(SignalKind.People, end) < 1);
        Assert.False(place.IsAnomalous(SignalKind.People));
        Assert.Equal(Level.Calm, place.Level);
    }

    [Fact]
    public void AnomalyClearsOnlyBelowTheClearRatioAndTheLevelFallsAfterItsMinimumDuration()
    {
        var place = Trained();
        var t = Feed(place, Local(1, MondayThree), 60, _ => 40);
        Assert.Equal(Level.Elevated, place.Level);

        // 10 people: about (10 − 2.4) / 2 = 3.8 σ, under the score of 4 but over its clear point 3.2: still unusual.
        t = Feed(place, t + 5_000, 120, _ => 10);
        Assert.InRange(place.AnomalyScore(SignalKind.People, t), 3.2, 4);
        Assert.True(place.IsAnomalous(SignalKind.People));
        Assert.Equal(Level.Elevated, place.Level);

        t = Feed(place, t + 5_000, 30, _ => 2);
        Assert.False(place.IsAnomalous(SignalKind.People));
        var clearedBy = t;
        Assert.Equal(Level.Calm, place.Level);
        Assert.True(place.LevelSince <= clearedBy);
    }

    [Fact]
    public void LevelHoldsForItsMinimumDurationAfterAShortAnomaly()
    {
        var rules = Rules with { Dwell = TimeSpan.FromSeconds(10), MinLevelDuration = TimeSpan.FromMinutes(2) };
        var place = Trained(rules);
        var t = Feed(place, Local(1, MondayThree), 30, _ => 40);
        Assert.Equal(Level.Elevated, place.Level);
        var elevatedAt = place.LevelSince;

        t = Feed(place, t + 5_000, 60, _ => 2);
        Assert.False(place.IsAnomalous(SignalKind.People));
        Assert.Equal(Level.Elevated, place.Level);

        Feed(place, t + 5_000, 120, _ => 2);
        Assert.Equal(Level.Calm, place.Level);
        Assert.True(place.LevelSince - elevatedAt >= (long)rules.MinLevelDuration.TotalMilliseconds);
    }

    [Fact]
    public void AnUnusualHourDoesNotTeachTheBaselineItsCrowd()
    {
        var place = Trained();

        var t = Feed(place, Local(1, MondayThree), 600, _ => 40);

        // 120 samples of 40 learned unclipped would lift the mean to 7.4 and the spread to 13: 40 would be 2.4 σ, usual.
        var night = place.Baseline(SignalKind.People, t);
        Assert.InRange(night.Mean, 2, 4);
        Assert.True(place.IsAnomalous(SignalKind.People));
        Assert.True(place.AnomalyScore(SignalKind.People, t) >= Rules.AnomalyScore);
        Assert.Equal(Level.Elevated, place.Level);
    }

    [Fact]
    public void InfiniteScoreSwitchesAnomaliesOff()
    {
        var place = Trained(Rules with { AnomalyScore = double.PositiveInfinity });

        Feed(place, Local(1, MondayThree), 120, _ => 40);

        Assert.False(place.IsAnomalous(SignalKind.People));
        Assert.Equal(Level.Calm, place.Level);
    }
}
