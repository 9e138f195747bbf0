using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Reports;

/// <summary>A place's level changed at <see cref="At"/>.</summary>
public readonly record struct LevelChange(DateTimeOffset At, Level From, Level To);

/// <summary>Hours spent at each level.</summary>
public sealed record LevelHours(double Calm, double Elevated, double Alert, double Unknown)
{
    /// <summary>No time at all.</summary>
    public static LevelHours Zero { get; } = new(0, 0, 0, 0);

    /// <summary>All four together.</summary>
    public double Total => Calm + Elevated + Alert + Unknown;

    /// <summary>The hours at <paramref name="level"/>.</summary>
    public double this[Level level] => level switch
    {
        Level.Calm => Calm,
        Level.Elevated => Elevated,
        Level.Alert => Alert,
        _ => Unknown,
    };

    /// <summary>Both added.</summary>
    public LevelHours Plus(LevelHours other) =>
        new(Calm + other.Calm, Elevated + other.Elevated, Alert + other.Alert, Unknown + other.Unknown);
}

/// <summary>
/// One alert as the report reads it: when it was raised, when a person first took it on, when a guard was first sent and
/// first on site, how it ended. A step that has not happened is null.
/// </summary>
public sealed record AlertFact(
    string AlertId,
    string PlaceId,
    string? Area,
    string Cause,
    int Severity,
    DateTimeOffset RaisedAt,
    DateTimeOffset? AcknowledgedAt,
    DateTimeOffset? DispatchedAt,
    DateTimeOffset? OnSiteAt,
    DateTimeOffset? ResolvedAt,
    string? Outcome,
    bool Escalated,
    string? DeviceId = null)
{
    /// <summary>Raised → acknowledged, seconds.</summary>
    public double? SecondsToAcknowledged => Seconds(RaisedAt, AcknowledgedAt);

    /// <summary>Raised → on site, seconds.</summary>
    public double? SecondsToOnSite => Seconds(RaisedAt, OnSiteAt);

    /// <summary>Acknowledged → on site, seconds.</summary>
    public double? SecondsAcknowledgedToOnSite => AcknowledgedAt is { } ack ? Seconds(ack, OnSiteAt) : null;

    private static double? Seconds(DateTimeOffset from, DateTimeOffset? to) =>
        to is { } end ? Math.Max(0, (end - from).TotalSeconds) : null;
}

/// <summary>How long one step of the response took: how many alerts got there, the median and the 90th percentile.</summary>
public sealed record ResponseTime(int Count, double? MedianSeconds, double? P90Seconds)
{
    /// <summary>The statistics of <paramref name="seconds"/>.</summary>
    public static ResponseTime Of(IEnumerable<double> seconds)
    {
        var sorted = seconds.Order().ToArray();
        return new(sorted.Length, LagesbildMath.Percentile(sorted, 0.5), LagesbildMath.Percentile(sorted, 0.9));
    }
}

/// <summary>Response times: raised → acknowledged → on site.</summary>
public sealed record ResponseTimes(ResponseTime RaisedToAcknowledged, ResponseTime AcknowledgedToOnSite, ResponseTime RaisedToOnSite);

/// <summary>Alerts raised in a period, by cause (<c>impulse</c>, <c>fire</c>, <c>report</c>) and outcome (<c>open</c> while not resolved).</summary>
public sealed record AlertSummary(int Count, IReadOnlyDictionary<string, int> ByCause, IReadOnlyDictionary<string, int> ByOutcome, int Escalated);

/// <summary>One period of a place or of the whole report.</summary>
public sealed record PeriodSummary(LevelHours Hours, AlertSummary Alerts, ResponseTimes ResponseTimes);

/// <summary>A figure now and in the previous period; the change is null when either is missing, the percentage also when the previous is 0.</summary>
public sealed record Trend(string Metric, double? Current, double? Previous, double? Change, double? ChangePercent)
{
    /// <summary>Compares <paramref name="current"/> with <paramref name="previous"/>.</summary>
    public static Trend Of(string metric, double? current, double? previous)
    {
        double? change = current is { } c && previous is { } p ? c - p : null;
        double? percent = change is { } d && previous is { } q && q != 0 ? Math.Round(100 * d / q, 1) : null;
        return new(metric, current, previous, change, percent);
    }
}

/// <summary>A place in the catalogue, as the report names it; <c>Since</c>: when it came into the catalogue, if known.</summary>
public sealed record ReportPlace(string PlaceId, string Name, string? Area, DateTimeOffset? Since = null);

/// <summary>One place's part of the report.</summary>
public sealed record PlaceReport(string PlaceId, string Name, string? Area, PeriodSummary Current, PeriodSummary Previous, IReadOnlyList<Trend> Trends);

/// <summary>
/// The lägesbild: per place and in total, the hours at each level, the alerts by cause and outcome, the response times,
/// and their trends against the previous period of the same length. Level hours count up to <see cref="HoursUntil"/>
/// (the end, or now when the end is still to come). <see cref="Alerts"/> are the alerts raised in the period.
/// </summary>
public sealed record LagesbildReport(
    DateTimeOffset From,
    DateTimeOffset To,
    DateTimeOffset PreviousFrom,
    DateTimeOffset PreviousTo,
    DateTimeOffset HoursUntil,
    string? Area,
    DateTimeOffset GeneratedAt,
    PeriodSummary Current,
    PeriodSummary Previous,
    IReadOnlyList<Trend> Trends,
    IReadOnlyList<PlaceReport> Places,
    IReadOnlyList<AlertFact> Alerts)
{
    /// <summary>
    /// The oldest history kept (now less the retention), when known: figures of earlier times are incomplete, since
    /// their level changes and alerts have been purged.
    /// </summary>
    public DateTimeOffset? HistorySince { get; init; }

    /// <summary>How often each rule's and device's alerts of the period were right.</summary>
    public PrecisionReport? Precision { get; init; }
}

/// <summary>The report's arithmetic: plain functions of explicit times.</summary>
public static class LagesbildMath
{
    /// <summary>The causes listed even when none occurred.</summary>
    public static IReadOnlyList<string> Causes { get; } = ["impulse", "fire", "report"];

    /// <summary>The outcomes listed even when none occurred; <c>open</c> is an alert not yet resolved.</summary>
    public static IReadOnlyList<string> Outcomes { get; } = ["confirmed", "false-alarm", "no-action-needed", "open"];

    /// <summary>The period before [<paramref name="from"/>, <paramref name="to"/>) of the same length.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) PreviousPeriod(DateTimeOffset from, DateTimeOffset to) => (from - (to - from), from);

    /// <summary>
    /// The hours at each level in [<paramref name="from"/>, <paramref name="to"/>) from a place's level changes, oldest first.
    /// The level at <paramref name="from"/> is the one set by the last change at or before it; before the first change a
    /// place was at that change's <c>From</c> level, and a place with no changes at all is unknown.
    /// </summary>
    public static LevelHours Integrate(IReadOnlyList<LevelChange> changes, DateTimeOffset from, DateTimeOffset to)
    {
        if (to <= from)
        {
            return LevelHours.Zero;
        }

        Span<double> hours = stackalloc double[4];
        var level = changes.Count > 0 ? changes[0].From : Level.Unknown;
        var cursor = from;
        foreach (var change in changes)
        {
            if (change.At <= from)
            {
                level = change.To;
                continue;
            }

            if (change.At >= to)
            {
                break;
            }

            hours[(int)level] += (change.At - cursor).TotalHours;
            cursor = change.At;
            level = change.To;
        }

        hours[(int)level] += (to - cursor).TotalHours;
        return new LevelHours(hours[(int)Level.Calm], hours[(int)Level.Elevated], hours[(int)Level.Alert], hours[(int)Level.Unknown]);
    }

    /// <summary>
    /// The <paramref name="p"/>-quantile (0..1) of ascending <paramref name="sorted"/>, interpolating linearly between the
    /// closest ranks (as spreadsheets' PERCENTILE.INC): the median of 1, 2, 3, 4 is 2.5. Null when there are no values.
    /// </summary>
    public static double? Percentile(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        var rank = p * (sorted.Count - 1);
        var lower = (int)Math.Floor(rank);
        var upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((rank - lower) * (sorted[upper] - sorted[lower]));
    }

    /// <summary>The alerts' counts and response times.</summary>
    public static (AlertSummary Alerts, ResponseTimes Times) Summarise(IReadOnlyCollection<AlertFact> alerts)
    {
        var byCause = Causes.ToDictionary(c => c, _ => 0, StringComparer.Ordinal);
        var byOutcome = Outcomes.ToDictionary(o => o, _ => 0, StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            byCause[alert.Cause] = byCause.GetValueOrDefault(alert.Cause) + 1;
            var outcome = alert.ResolvedAt is null || alert.Outcome is null ? "open" : alert.Outcome;
            byOutcome[outcome] = byOutcome.GetValueOrDefault(outcome) + 1;
        }

        var times = new ResponseTimes(
            ResponseTime.Of(alerts.Select(a => a.SecondsToAcknowledged).OfType<double>()),
            ResponseTime.Of(alerts.Select(a => a.SecondsAcknowledgedToOnSite).OfType<double>()),
            ResponseTime.Of(alerts.Select(a => a.SecondsToOnSite).OfType<double>()));
        return (new AlertSummary(alerts.Count, byCause, byOutcome, alerts.Count(a => a.Escalated)), times);
    }

    /// <summary>The figures a board follows from one period to the next.</summary>
    public static IReadOnlyList<Trend> Trends(PeriodSummary current, PeriodSummary previous) =>
    [
        Trend.Of("alerts", current.Alerts.Count, previous.Alerts.Count),
        Trend.Of("false-alarms", current.Alerts.ByOutcome["false-alarm"], previous.Alerts.ByOutcome["false-alarm"]),
        Trend.Of("alert-hours", Round(current.Hours.Alert), Round(previous.Hours.Alert)),
        Trend.Of("elevated-hours", Round(current.Hours.Elevated), Round(previous.Hours.Elevated)),
        Trend.Of("unknown-hours", Round(current.Hours.Unknown), Round(previous.Hours.Unknown)),
        Trend.Of("median-seconds-to-acknowledged", current.ResponseTimes.RaisedToAcknowledged.MedianSeconds, previous.ResponseTimes.RaisedToAcknowledged.MedianSeconds),
        Trend.Of("median-seconds-to-on-site", current.ResponseTimes.RaisedToOnSite.MedianSeconds, previous.ResponseTimes.RaisedToOnSite.MedianSeconds),
    ];

    /// <summary>
    /// Builds the report for [<paramref name="from"/>, <paramref name="to"/>) and the period before it. Level hours stop at
    /// <paramref name="now"/>; alerts count in the period they were raised in. <paramref name="changes"/> holds each place's
    /// level changes, oldest first, including at least the last one before the previous period.
    /// </summary>
    public static LagesbildReport Build(
        DateTimeOffset from, DateTimeOffset to, DateTimeOffset now, string? area, IReadOnlyList<ReportPlace> places,
        IReadOnlyDictionary<string, List<LevelChange>> changes, IReadOnlyList<AlertFact> alerts)
    {
        var (previousFrom, previousTo) = PreviousPeriod(from, to);
        var until = now < to ? now : to;
        var previousUntil = now < previousTo ? now : previousTo;
        var alertsByPlace = alerts.ToLookup(a => a.PlaceId, StringComparer.Ordinal);
        var placeReports = new List<PlaceReport>(places.Count);
        foreach (var place in places.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.PlaceId, StringComparer.Ordinal))
        {
            var placeChanges = changes.GetValueOrDefault(place.PlaceId) ?? [];
            var placeAlerts = alertsByPlace[place.PlaceId].ToArray();
            // Hours count from when the place existed: a place added an hour ago has one hour, not a month of "unknown".
            var current = Period(
                Integrate(placeChanges, Later(from, place.Since), until), placeAlerts.Where(a => a.RaisedAt >= from && a.RaisedAt < to).ToArray());
            var previous = Period(
                Integrate(placeChanges, Later(previousFrom, place.Since), previousUntil),
                placeAlerts.Where(a => a.RaisedAt >= previousFrom && a.RaisedAt < previousTo).ToArray());
            placeReports.Add(new PlaceReport(place.PlaceId, place.Name, place.Area, current, previous, Trends(current, previous)));
        }

        var known = places.Select(p => p.PlaceId).ToHashSet(StringComparer.Ordinal);
        var inPeriod = alerts.Where(a => known.Contains(a.PlaceId) && a.RaisedAt >= from && a.RaisedAt < to).OrderBy(a => a.RaisedAt).ToArray();
        var inPrevious = alerts.Where(a => known.Contains(a.PlaceId) && a.RaisedAt >= previousFrom && a.RaisedAt < previousTo).ToArray();
        var totalCurrent = Period(placeReports.Aggregate(LevelHours.Zero, (sum, p) => sum.Plus(p.Current.Hours)), inPeriod);
        var totalPrevious = Period(placeReports.Aggregate(LevelHours.Zero, (sum, p) => sum.Plus(p.Previous.Hours)), inPrevious);
        return new LagesbildReport(
            from, to, previousFrom, previousTo, until, area, now, totalCurrent, totalPrevious, Trends(totalCurrent, totalPrevious), placeReports, inPeriod)
        {
            Precision = PrecisionReport.Of(from, to, area, inPeriod),
        };
    }

    private static DateTimeOffset Later(DateTimeOffset a, DateTimeOffset? b) => b is { } x && x > a ? x : a;

    private static PeriodSummary Period(LevelHours hours, IReadOnlyCollection<AlertFact> alerts)
    {
        var (summary, times) = Summarise(alerts);
        return new PeriodSummary(Round(hours), summary, times);
    }

    private static LevelHours Round(LevelHours h) => new(Round(h.Calm), Round(h.Elevated), Round(h.Alert), Round(h.Unknown));

    private static double Round(double hours) => Math.Round(hours, 3);
}
