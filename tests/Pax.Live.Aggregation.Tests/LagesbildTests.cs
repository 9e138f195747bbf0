using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Tests;

/// <summary>The lägesbild's arithmetic on explicit times.</summary>
public sealed class LagesbildTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 0, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset H(double hours) => T0.AddHours(hours);

    private static LevelChange Change(double hours, Level from, Level to) => new(H(hours), from, to);

    [Fact]
    public void TheLevelAtTheWindowsStartIsTheLastChangeBeforeIt()
    {
        // Calm from -5 h, alert at 2 h, calm at 3 h, unknown at 9 h (after the window).
        List<LevelChange> changes = [Change(-5, Level.Unknown, Level.Calm), Change(2, Level.Calm, Level.Alert), Change(3, Level.Alert, Level.Calm), Change(9, Level.Calm, Level.Unknown)];

        var hours = LagesbildMath.Integrate(changes, H(0), H(8));

        Assert.Equal(new LevelHours(Calm: 7, Elevated: 0, Alert: 1, Unknown: 0), hours);
    }

    [Fact]
    public void AChangeOnTheWindowsEdgesCountsFromTheEdge()
    {
        List<LevelChange> changes = [Change(0, Level.Calm, Level.Elevated), Change(4, Level.Elevated, Level.Alert)];

        Assert.Equal(new LevelHours(0, 4, 0, 0), LagesbildMath.Integrate(changes, H(0), H(4)));
        Assert.Equal(new LevelHours(0, 0, 2, 0), LagesbildMath.Integrate(changes, H(4), H(6)));
    }

    [Fact]
    public void BeforeTheFirstChangeAPlaceWasAtThatChangesFromLevelAndWithoutChangesItIsUnknown()
    {
        List<LevelChange> changes = [Change(1, Level.Unknown, Level.Calm), Change(1.5, Level.Calm, Level.Elevated)];

        Assert.Equal(new LevelHours(Calm: 0.5, Elevated: 0.5, Alert: 0, Unknown: 1), LagesbildMath.Integrate(changes, H(0), H(2)));
        Assert.Equal(new LevelHours(0, 0, 0, 24), LagesbildMath.Integrate([], H(0), H(24)));
        Assert.Equal(LevelHours.Zero, LagesbildMath.Integrate(changes, H(2), H(2)));
    }

    [Fact]
    public void TheHoursOfAWindowAlwaysAddUpToItsLength()
    {
        List<LevelChange> changes = [Change(-1, Level.Unknown, Level.Calm), Change(0.25, Level.Calm, Level.Alert), Change(0.25, Level.Alert, Level.Elevated), Change(30, Level.Elevated, Level.Calm)];

        Assert.Equal(48, LagesbildMath.Integrate(changes, H(0), H(48)).Total, 9);
    }

    [Fact]
    public void PercentilesInterpolateBetweenTheClosestRanks()
    {
        Assert.Null(LagesbildMath.Percentile([], 0.5));
        Assert.Equal(42, LagesbildMath.Percentile([42], 0.9));
        Assert.Equal(2.5, LagesbildMath.Percentile([1, 2, 3, 4], 0.5));
        Assert.Equal(3, LagesbildMath.Percentile([1, 2, 3, 4, 5], 0.5));
        // rank 0.9 * 9 = 8.1 between 90 and 100.
        Assert.Equal(91, LagesbildMath.Percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)!.Value, 9);
    }

    [Fact]
    public void ResponseTimesRunFromRaisedToAcknowledgedToOnSiteAndSkipStepsNotTaken()
    {
        AlertFact[] alerts =
        [
            Alert("a", raised: 0, acknowledged: 60, onSite: 600),
            Alert("b", raised: 0, acknowledged: 120, onSite: 900),
            Alert("c", raised: 0, acknowledged: 30, onSite: null),
            Alert("d", raised: 0, acknowledged: null, onSite: null),
        ];

        var (summary, times) = LagesbildMath.Summarise(alerts);

        Assert.Equal(new ResponseTime(3, 60, 108), times.RaisedToAcknowledged);
        Assert.Equal(new ResponseTime(2, 750, 870), times.RaisedToOnSite);
        Assert.Equal(new ResponseTime(2, 660, 756), times.AcknowledgedToOnSite);
        Assert.Equal(4, summary.Count);
        Assert.Equal(4, summary.ByCause["impulse"]);
        Assert.Equal(0, summary.ByCause["fire"]);
        Assert.Equal(4, summary.ByOutcome["open"]);
    }

    [Fact]
    public void AlertsCountInThePeriodTheyWereRaisedInAndTrendsCompareWithThePreviousPeriodOfTheSameLength()
    {
        // The period is day 2; the previous one day 1. Calm all along except an alert hour in each day.
        var from = H(24);
        var to = H(48);
        List<LevelChange> changes =
        [
            Change(-10, Level.Unknown, Level.Calm),
            Change(5, Level.Calm, Level.Alert), Change(6, Level.Alert, Level.Calm),
            Change(30, Level.Calm, Level.Alert), Change(32, Level.Alert, Level.Calm),
        ];
        AlertFact[] alerts =
        [
            Alert("old", raised: 5 * 3600, acknowledged: 5 * 3600 + 100, onSite: null, outcome: "false-alarm"),
            Alert("new-1", raised: 30 * 3600, acknowledged: 30 * 3600 + 40, onSite: 30 * 3600 + 400, outcome: "confirmed"),
            Alert("new-2", raised: 31 * 3600, acknowledged: 31 * 3600 + 60, onSite: null, outcome: null),
            Alert("elsewhere", raised: 30 * 3600, acknowledged: null, onSite: null, place: "not-in-the-area"),
            Alert("too-early", raised: -1, acknowledged: null, onSite: null),
        ];

        var report = LagesbildMath.Build(from, to, now: H(100), area: "norr", [new ReportPlace("torget", "Torget", "norr")], new Dictionary<string, List<LevelChange>> { ["torget"] = changes }, alerts);

        Assert.Equal((H(0), H(24)), (report.PreviousFrom, report.PreviousTo));
        var place = Assert.Single(report.Places);
        Assert.Equal(new LevelHours(22, 0, 2, 0), place.Current.Hours);
        Assert.Equal(new LevelHours(23, 0, 1, 0), place.Previous.Hours);
        Assert.Equal(["new-1", "new-2"], report.Alerts.Select(a => a.AlertId));
        Assert.Equal(2, report.Current.Alerts.Count);
        Assert.Equal(1, report.Current.Alerts.ByOutcome["confirmed"]);
        Assert.Equal(1, report.Current.Alerts.ByOutcome["open"]);
        Assert.Equal(1, report.Previous.Alerts.ByOutcome["false-alarm"]);
        Assert.Equal(50, report.Current.ResponseTimes.RaisedToAcknowledged.MedianSeconds);
        Assert.Equal(400, report.Current.ResponseTimes.RaisedToOnSite.MedianSeconds);

        var trends = report.Trends.ToDictionary(t => t.Metric);
        Assert.Equal(new Trend("alerts", 2, 1, 1, 100), trends["alerts"]);
        Assert.Equal(new Trend("alert-hours", 2, 1, 1, 100), trends["alert-hours"]);
        Assert.Equal(new Trend("false-alarms", 0, 1, -1, -100), trends["false-alarms"]);
        Assert.Equal(new Trend("median-seconds-to-acknowledged", 50, 100, -50, -50), trends["median-seconds-to-acknowledged"]);
        Assert.Equal(new Trend("median-seconds-to-on-site", 400, null, null, null), trends["median-seconds-to-on-site"]);
    }

    [Fact]
    public void APlaceCountsHoursOnlyFromWhenItCameIntoTheCatalogue()
    {
        // Added at hour 20 of the period and never heard from: 4 hours unknown, not 24; nothing in the period before.
        var report = LagesbildMath.Build(
            H(0), H(24), now: H(24), area: null, [new ReportPlace("ny", "Nya torget", null, Since: H(20))],
            new Dictionary<string, List<LevelChange>>(), []);

        var place = Assert.Single(report.Places);
        Assert.Equal(new LevelHours(0, 0, 0, 4), place.Current.Hours);
        Assert.Equal(LevelHours.Zero, place.Previous.Hours);
        Assert.Equal(new Trend("unknown-hours", 4, 0, 4, null), report.Trends.Single(t => t.Metric == "unknown-hours"));
    }

    [Fact]
    public void HoursStopAtNowWhenThePeriodIsNotOverAndAPercentageNeedsAPreviousFigure()
    {
        var report = LagesbildMath.Build(
            H(0), H(24), now: H(6), area: null, [new ReportPlace("torget", "Torget", null)],
            new Dictionary<string, List<LevelChange>> { ["torget"] = [Change(-48, Level.Unknown, Level.Calm)] }, []);

        Assert.Equal(H(6), report.HoursUntil);
        Assert.Equal(new LevelHours(6, 0, 0, 0), report.Current.Hours);
        Assert.Equal(new LevelHours(24, 0, 0, 0), report.Previous.Hours);
        Assert.Equal(new Trend("alerts", 0, 0, 0, null), report.Trends[0]);
    }

    private static AlertFact Alert(string id, double raised, double? acknowledged, double? onSite, string? outcome = null, string place = "torget") => new(
        id, place, "norr", "impulse", 3, T0.AddSeconds(raised), Seconds(acknowledged), null, Seconds(onSite),
        outcome is null ? null : T0.AddSeconds(raised + 3600), outcome, Escalated: false);

    private static DateTimeOffset? Seconds(double? s) => s is { } v ? T0.AddSeconds(v) : null;
}
