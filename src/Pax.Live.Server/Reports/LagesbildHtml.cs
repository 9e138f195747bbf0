using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Reports;

/// <summary>
/// The lägesbild as one self-contained HTML page: styles and charts (inline SVG) are in the page, nothing is fetched
/// from anywhere and no script runs, so it can be mailed, archived and printed as it is. One language at a time
/// (Swedish or English); the domain's terms (levels, causes, outcomes) come from the web UI's glossary, so the board and
/// the report use the same words. Times are Swedish local time (Europe/Stockholm).
/// </summary>
public static class LagesbildHtml
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>The control room's time zone; UTC on a machine without time-zone data.</summary>
    private static readonly TimeZoneInfo Local = FindLocal();

    private static readonly (Level Level, string Code, string Colour)[] LevelStyles =
    [
        (Level.Calm, "calm", "#3a9a5b"),
        (Level.Elevated, "elevated", "#e0a31b"),
        (Level.Alert, "alert", "#c8322d"),
        (Level.Unknown, "unknown", "#9aa0a6"),
    ];

    /// <summary>The glossary the web UI bundles (<c>ClientApp/src/glossary.json</c>), embedded in this assembly.</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> Glossary = LoadGlossary();

    private static readonly Dictionary<string, Dictionary<string, string>> Phrases = new(StringComparer.Ordinal)
    {
        ["sv"] = new(StringComparer.Ordinal)
        {
            ["title"] = "Lägesbild",
            ["allAreas"] = "alla områden",
            ["area"] = "område {0}",
            ["places.one"] = "plats",
            ["places.many"] = "platser",
            ["period"] = "Period: <b>{0} – {1}</b> (svensk tid), {2}, {3} {4}.",
            ["compared"] = "Jämförs med föregående period {0} – {1}.",
            ["ongoing"] = " Perioden pågår: timmar räknas till {0}.",
            ["generated"] = " Skapad {0}.",
            ["incomplete"] = "<b>Ofullständigt underlag:</b> historik före {0} har rensats enligt lagringstiden, så siffror för tiden före dess, och trender som jämför med den, är ofullständiga.",
            ["summary"] = "Sammanfattning",
            ["card.alerts"] = "Larm",
            ["card.alertHours"] = "Timmar i larm",
            ["card.toAck"] = "Median till kvittering",
            ["card.toOnSite"] = "Median till plats",
            ["card.falseAlarms"] = "Falsklarm",
            ["levels"] = "Timmar per nivå",
            ["levelsChart"] = "Timmar per nivå och plats",
            ["hoursFrom"] = "Timmar räknas från när platsen lades till i katalogen, om det var under perioden.",
            ["place"] = "Plats",
            ["areaHeader"] = "Område",
            ["total"] = "Totalt",
            ["previous"] = "Föregående period",
            ["alerts"] = "Larm per orsak och utfall",
            ["alertsLine"] = "{0} larm, varav {1} eskalerade till arbetsledare; föregående period {2}.",
            ["byCause"] = "Per orsak",
            ["byOutcome"] = "Per utfall",
            ["chart.byCause"] = "Larm per orsak",
            ["chart.byOutcome"] = "Larm per utfall",
            ["thisPeriod"] = "Denna period",
            ["previousPeriod"] = "Föregående period",
            ["response"] = "Insatstider",
            ["responseIntro"] = "Från larm till kvittering till plats: median och 90:e percentil.",
            ["step"] = "Steg",
            ["count"] = "Antal",
            ["median"] = "Median",
            ["p90"] = "90:e percentil",
            ["previousMedian"] = "Föregående median",
            ["previousP90"] = "Föregående 90:e percentil",
            ["step.toAck"] = "Larm → kvitterat",
            ["step.ackToOnSite"] = "Kvitterat → på plats",
            ["step.toOnSite"] = "Larm → på plats",
            ["col.medianToAck"] = "Median till kvittering",
            ["col.p90ToAck"] = "90:e percentil till kvittering",
            ["col.medianToOnSite"] = "Median till plats",
            ["col.p90ToOnSite"] = "90:e percentil till plats",
            ["trends"] = "Trender mot föregående period",
            ["metric"] = "Mått",
            ["change"] = "Förändring",
            ["perPlace"] = "Per plats",
            ["precision"] = "Träffsäkerhet per regel",
            ["precision.none"] = "Inga larm under perioden.",
            ["precision.note"] = "Träffsäkerhet är bekräftade ÷ (bekräftade + falsklarm); \"ingen åtgärd\" räknas inte. Reglerna med flest falsklarm först.",
            ["col.cause"] = "Orsak",
            ["col.raised"] = "Larm",
            ["col.confirmed"] = "Bekräftade",
            ["col.falseAlarms"] = "Falsklarm",
            ["col.precision"] = "Träffsäkerhet",
            ["col.alertHours"] = "Timmar i larm",
            ["col.elevatedHours"] = "Timmar förhöjt",
            ["col.alerts"] = "Larm",
            ["col.alertChange"] = "Förändring larm",
            ["metric.alerts"] = "Antal larm",
            ["metric.false-alarms"] = "Falsklarm",
            ["metric.alert-hours"] = "Timmar i larm",
            ["metric.elevated-hours"] = "Timmar förhöjt",
            ["metric.unknown-hours"] = "Timmar okänt",
            ["metric.median-seconds-to-acknowledged"] = "Median tid till kvittering",
            ["metric.median-seconds-to-on-site"] = "Median tid till plats",
            ["footer"] = "Nivåtimmar bygger på platsernas nivåändringar; ett larm räknas i perioden då det larmades. Kvitterat är första gången en person tog sig an larmet. Percentiler interpoleras mellan närmaste värden. Rapporten innehåller inga uppgifter om enskilda personer.",
        },
        ["en"] = new(StringComparer.Ordinal)
        {
            ["title"] = "Situation report",
            ["allAreas"] = "all areas",
            ["area"] = "area {0}",
            ["places.one"] = "place",
            ["places.many"] = "places",
            ["period"] = "Period: <b>{0} – {1}</b> (Swedish time), {2}, {3} {4}.",
            ["compared"] = "Compared with the previous period {0} – {1}.",
            ["ongoing"] = " The period is not over: hours count until {0}.",
            ["generated"] = " Generated {0}.",
            ["incomplete"] = "<b>Incomplete data:</b> history before {0} has been purged by the retention, so figures for the time before, and trends that compare with it, are incomplete.",
            ["summary"] = "Summary",
            ["card.alerts"] = "Alerts",
            ["card.alertHours"] = "Hours at alert",
            ["card.toAck"] = "Median to acknowledged",
            ["card.toOnSite"] = "Median to on site",
            ["card.falseAlarms"] = "False alarms",
            ["levels"] = "Hours at each level",
            ["levelsChart"] = "Hours at each level per place",
            ["hoursFrom"] = "Hours count from when the place was added to the catalogue, if that was within the period.",
            ["place"] = "Place",
            ["areaHeader"] = "Area",
            ["total"] = "Total",
            ["previous"] = "Previous period",
            ["alerts"] = "Alerts by cause and outcome",
            ["alertsLine"] = "{0} alerts, of which {1} escalated to the supervisors; previous period {2}.",
            ["byCause"] = "By cause",
            ["byOutcome"] = "By outcome",
            ["chart.byCause"] = "Alerts by cause",
            ["chart.byOutcome"] = "Alerts by outcome",
            ["thisPeriod"] = "This period",
            ["previousPeriod"] = "Previous period",
            ["response"] = "Response times",
            ["responseIntro"] = "From raised to acknowledged to on site: median and 90th percentile.",
            ["step"] = "Step",
            ["count"] = "Count",
            ["median"] = "Median",
            ["p90"] = "90th percentile",
            ["previousMedian"] = "Previous median",
            ["previousP90"] = "Previous 90th percentile",
            ["step.toAck"] = "Raised → acknowledged",
            ["step.ackToOnSite"] = "Acknowledged → on site",
            ["step.toOnSite"] = "Raised → on site",
            ["col.medianToAck"] = "Median to acknowledged",
            ["col.p90ToAck"] = "90th percentile to acknowledged",
            ["col.medianToOnSite"] = "Median to on site",
            ["col.p90ToOnSite"] = "90th percentile to on site",
            ["trends"] = "Trends against the previous period",
            ["metric"] = "Metric",
            ["change"] = "Change",
            ["perPlace"] = "Per place",
            ["precision"] = "Precision per rule",
            ["precision.none"] = "No alerts in the period.",
            ["precision.note"] = "Precision is confirmed ÷ (confirmed + false alarms); \"no action needed\" counts for neither. The rules with the most false alarms first.",
            ["col.cause"] = "Cause",
            ["col.raised"] = "Alerts",
            ["col.confirmed"] = "Confirmed",
            ["col.falseAlarms"] = "False alarms",
            ["col.precision"] = "Precision",
            ["col.alertHours"] = "Hours at alert",
            ["col.elevatedHours"] = "Hours elevated",
            ["col.alerts"] = "Alerts",
            ["col.alertChange"] = "Change in alerts",
            ["metric.alerts"] = "Number of alerts",
            ["metric.false-alarms"] = "False alarms",
            ["metric.alert-hours"] = "Hours at alert",
            ["metric.elevated-hours"] = "Hours elevated",
            ["metric.unknown-hours"] = "Hours unknown",
            ["metric.median-seconds-to-acknowledged"] = "Median time to acknowledged",
            ["metric.median-seconds-to-on-site"] = "Median time to on site",
            ["footer"] = "Level hours are built from the places' level changes; an alert counts in the period it was raised in. Acknowledged is the first time a person took the alert on. Percentiles interpolate between the closest values. The report holds no data about any person.",
        },
    };

    private const string Style = """
        :root { --calm: #3a9a5b; --elevated: #e0a31b; --alert: #c8322d; --unknown: #9aa0a6; }
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1d1f21; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; line-height: 1.4; }
        h1 { font-size: 1.8rem; margin-bottom: 0.2rem; }
        h2 { font-size: 1.25rem; margin-top: 2rem; border-bottom: 2px solid #1d1f21; padding-bottom: 0.2rem; }
        h3 { font-size: 1.05rem; margin-bottom: 0.3rem; }
        .meta { color: #555; margin: 0; }
        table { border-collapse: collapse; width: 100%; margin: 0.5rem 0 1rem; font-size: 0.92rem; }
        th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.5rem; text-align: right; vertical-align: top; }
        th:first-child, td:first-child { text-align: left; }
        thead th { background: #f2f3f5; }
        .warning { border-left: 4px solid #e0a31b; background: #fff8e5; padding: 0.4rem 0.8rem; }
        .up { color: #a4262c; } .down { color: #2b7a3d; } .muted { color: #777; }
        .cards { display: flex; flex-wrap: wrap; gap: 1rem; margin: 1rem 0; }
        .card { border: 1px solid #ddd; border-radius: 6px; padding: 0.6rem 1rem; min-width: 10rem; }
        .card b { display: block; font-size: 1.5rem; }
        .legend span { display: inline-block; margin-right: 1rem; }
        .legend i { display: inline-block; width: 0.9rem; height: 0.9rem; margin-right: 0.3rem; vertical-align: -0.1rem; }
        svg text { font-family: inherit; }
        section { break-inside: avoid; page-break-inside: avoid; }
        @page { size: A4; margin: 15mm; }
        @media print {
          body { margin: 0; max-width: none; font-size: 10pt; }
          h2 { break-after: avoid; page-break-after: avoid; }
          thead { display: table-header-group; }
          tr { break-inside: avoid; page-break-inside: avoid; }
          * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
          .screen-only { display: none; }
        }
        """;

    /// <summary>"en" when <paramref name="requested"/> (a <c>lang</c> parameter or an Accept-Language) starts with English; "sv" otherwise.</summary>
    public static string Language(string? requested) =>
        requested is { Length: >= 2 } r && r.StartsWith("en", StringComparison.OrdinalIgnoreCase) ? "en" : "sv";

    /// <summary>The page, in <paramref name="language"/> ("sv" or "en").</summary>
    public static string Render(LagesbildReport report, string language = "sv")
    {
        var w = new Words(language == "en" ? "en" : "sv");
        var html = new StringBuilder(16_384);
        var area = report.Area is null ? w["allAreas"] : w.F("area", report.Area);
        Append(html, $"<!DOCTYPE html>\n<html lang=\"{w.Language}\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        Append(html, $"<title>{E(w["title"])} {Date(report.From)} – {Date(report.To)}, {E(area)}</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        Append(html, $"<h1>{E(w["title"])}</h1>\n");
        Append(html, $"<p class=\"meta\">{w.F("period", Time(report.From), Time(report.To), E(area), report.Places.Count, w[report.Places.Count == 1 ? "places.one" : "places.many"])}</p>\n");
        Append(html, $"<p class=\"meta\">{w.F("compared", Time(report.PreviousFrom), Time(report.PreviousTo))}");
        if (report.HoursUntil < report.To)
        {
            Append(html, w.F("ongoing", Time(report.HoursUntil)));
        }

        Append(html, $"{w.F("generated", Time(report.GeneratedAt))}</p>\n");
        if (report.HistorySince is { } since && report.PreviousFrom < since)
        {
            Append(html, $"<p class=\"warning\">{w.F("incomplete", Time(since))}</p>\n");
        }

        Summary(html, report, w);
        LevelSection(html, report, w);
        AlertSection(html, report, w);
        ResponseSection(html, report, w);
        TrendSection(html, report.Trends, w);
        PlaceSection(html, report, w);
        PrecisionSection(html, report, w);

        Append(html, $"<p class=\"meta\">{E(w["footer"])}</p>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, LagesbildReport report, Words w)
    {
        var c = report.Current;
        Append(html, $"<section>\n<h2>{E(w["summary"])}</h2>\n<div class=\"cards\">\n");
        Card(html, w["card.alerts"], w.Num(c.Alerts.Count, 0), Trend(report.Trends, "alerts", w));
        Card(html, w["card.alertHours"], w.Num(c.Hours.Alert, 1), Trend(report.Trends, "alert-hours", w));
        Card(html, w["card.toAck"], Duration(c.ResponseTimes.RaisedToAcknowledged.MedianSeconds), Trend(report.Trends, "median-seconds-to-acknowledged", w));
        Card(html, w["card.toOnSite"], Duration(c.ResponseTimes.RaisedToOnSite.MedianSeconds), Trend(report.Trends, "median-seconds-to-on-site", w));
        Card(html, w["card.falseAlarms"], w.Num(c.Alerts.ByOutcome.GetValueOrDefault("false-alarm"), 0), Trend(report.Trends, "false-alarms", w));
        html.Append("</div>\n</section>\n");
    }

    private static void Card(StringBuilder html, string label, string value, string trend) =>
        Append(html, $"<div class=\"card\">{E(label)}<b>{E(value)}</b>{trend}</div>\n");

    private static void LevelSection(StringBuilder html, LagesbildReport report, Words w)
    {
        Append(html, $"<section>\n<h2>{E(w["levels"])}</h2>\n");
        Legend(html, w);
        if (report.Places.Count > 0)
        {
            LevelBars(html, report.Places, w);
        }

        Append(html, $"<p class=\"meta\">{E(w["hoursFrom"])}</p>\n");
        Append(html, $"<table>\n<thead><tr><th>{E(w["place"])}</th>");
        foreach (var (_, code, _) in LevelStyles)
        {
            Append(html, $"<th>{E(w.Term("level", code))}</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var place in report.Places)
        {
            LevelRow(html, place.Name, place.Current.Hours, w);
        }

        LevelRow(html, w["total"], report.Current.Hours, w, bold: true);
        LevelRow(html, w["previous"], report.Previous.Hours, w, muted: true);
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void LevelRow(StringBuilder html, string name, LevelHours hours, Words w, bool bold = false, bool muted = false)
    {
        Append(html, $"<tr{(muted ? " class=\"muted\"" : "")}><td>{(bold ? "<b>" : "")}{E(name)}{(bold ? "</b>" : "")}</td>");
        foreach (var (level, _, _) in LevelStyles)
        {
            Append(html, $"<td>{w.Num(hours[level], 1)} h <span class=\"muted\">({Percent(hours[level], hours.Total, w)})</span></td>");
        }

        html.Append("</tr>\n");
    }

    private static void Legend(StringBuilder html, Words w)
    {
        html.Append("<p class=\"legend\">");
        foreach (var (_, code, colour) in LevelStyles)
        {
            Append(html, $"<span><i style=\"background:{colour}\"></i>{E(w.Term("level", code))}</span>");
        }

        html.Append("</p>\n");
    }

    /// <summary>One stacked bar per place: the share of the period at each level.</summary>
    private static void LevelBars(StringBuilder html, IReadOnlyList<PlaceReport> places, Words w)
    {
        const int labelWidth = 220, barWidth = 640, rowHeight = 22, gap = 6;
        var height = (places.Count * (rowHeight + gap)) + gap;
        Append(html, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{E(w["levelsChart"])}\" width=\"100%\" viewBox=\"0 0 {labelWidth + barWidth + 10} {height}\">\n");
        for (var i = 0; i < places.Count; i++)
        {
            var place = places[i];
            var y = gap + (i * (rowHeight + gap));
            Append(html, $"<text x=\"0\" y=\"{y + 15}\" font-size=\"13\">{E(Truncate(place.Name, 30))}</text>\n");
            var total = place.Current.Hours.Total;
            double x = labelWidth;
            foreach (var (level, code, colour) in LevelStyles)
            {
                var hours = place.Current.Hours[level];
                if (total <= 0 || hours <= 0)
                {
                    continue;
                }

                var width = barWidth * hours / total;
                Append(html, $"<rect x=\"{F(x)}\" y=\"{y}\" width=\"{F(width)}\" height=\"{rowHeight}\" fill=\"{colour}\"><title>{E(place.Name)}: {E(w.Term("level", code))} {w.Num(hours, 1)} h</title></rect>\n");
                x += width;
            }
        }

        html.Append("</svg>\n");
    }

    private static void AlertSection(StringBuilder html, LagesbildReport report, Words w)
    {
        Append(html, $"<section>\n<h2>{E(w["alerts"])}</h2>\n");
        Append(html, $"<p>{E(w.F("alertsLine", report.Current.Alerts.Count, report.Current.Alerts.Escalated, report.Previous.Alerts.Count))}</p>\n");
        Append(html, $"<h3>{E(w["byCause"])}</h3>\n");
        Bars(html, w["chart.byCause"], LagesbildMath.Causes.Select(c => (w.Term("kind", c), report.Current.Alerts.ByCause.GetValueOrDefault(c), report.Previous.Alerts.ByCause.GetValueOrDefault(c))).ToArray(), w);
        Append(html, $"<h3>{E(w["byOutcome"])}</h3>\n");
        Bars(html, w["chart.byOutcome"], LagesbildMath.Outcomes.Select(o => (w.Term("outcome", o), report.Current.Alerts.ByOutcome.GetValueOrDefault(o), report.Previous.Alerts.ByOutcome.GetValueOrDefault(o))).ToArray(), w);
        Append(html, $"<table>\n<thead><tr><th>{E(w["place"])}</th>");
        foreach (var cause in LagesbildMath.Causes)
        {
            Append(html, $"<th>{E(w.Term("kind", cause))}</th>");
        }

        foreach (var outcome in LagesbildMath.Outcomes)
        {
            Append(html, $"<th>{E(w.Term("outcome", outcome))}</th>");
        }

        Append(html, $"<th>{E(w["total"])}</th></tr></thead>\n<tbody>\n");
        foreach (var place in report.Places.Where(p => p.Current.Alerts.Count > 0 || p.Previous.Alerts.Count > 0))
        {
            AlertRow(html, place.Name, place.Current.Alerts);
        }

        AlertRow(html, w["total"], report.Current.Alerts);
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void AlertRow(StringBuilder html, string name, AlertSummary alerts)
    {
        Append(html, $"<tr><td>{E(name)}</td>");
        foreach (var cause in LagesbildMath.Causes)
        {
            Append(html, $"<td>{alerts.ByCause.GetValueOrDefault(cause)}</td>");
        }

        foreach (var outcome in LagesbildMath.Outcomes)
        {
            Append(html, $"<td>{alerts.ByOutcome.GetValueOrDefault(outcome)}</td>");
        }

        Append(html, $"<td><b>{alerts.Count}</b></td></tr>\n");
    }

    /// <summary>A horizontal bar chart: each category's count in this period (dark) and the previous one (light).</summary>
    private static void Bars(StringBuilder html, string title, (string Label, int Current, int Previous)[] rows, Words w)
    {
        const int labelWidth = 300, barWidth = 500, barHeight = 12, rowHeight = 34;
        var max = Math.Max(1, rows.Max(r => Math.Max(r.Current, r.Previous)));
        var height = (rows.Length * rowHeight) + 24;
        Append(html, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"{E(title)}\" width=\"100%\" viewBox=\"0 0 {labelWidth + barWidth + 60} {height}\">\n");
        for (var i = 0; i < rows.Length; i++)
        {
            var (label, current, previous) = rows[i];
            var y = i * rowHeight;
            Append(html, $"<text x=\"0\" y=\"{y + 18}\" font-size=\"13\">{E(label)}</text>\n");
            var w1 = barWidth * current / (double)max;
            var w2 = barWidth * previous / (double)max;
            Append(html, $"<rect x=\"{labelWidth}\" y=\"{y + 4}\" width=\"{F(w1)}\" height=\"{barHeight}\" fill=\"#2d5c8a\"><title>{E(label)}: {current}</title></rect>");
            Append(html, $"<text x=\"{F(labelWidth + w1 + 4)}\" y=\"{y + 15}\" font-size=\"11\">{current}</text>\n");
            Append(html, $"<rect x=\"{labelWidth}\" y=\"{y + 4 + barHeight + 2}\" width=\"{F(w2)}\" height=\"{barHeight}\" fill=\"#a9c1d9\"><title>{E(label)}, {E(w["previousPeriod"])}: {previous}</title></rect>");
            Append(html, $"<text x=\"{F(labelWidth + w2 + 4)}\" y=\"{y + 4 + barHeight + 13}\" font-size=\"11\" fill=\"#555\">{previous}</text>\n");
        }

        var legendY = (rows.Length * rowHeight) + 14;
        Append(html, $"<rect x=\"{labelWidth}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"#2d5c8a\"/><text x=\"{labelWidth + 14}\" y=\"{legendY}\" font-size=\"11\">{E(w["thisPeriod"])}</text>");
        Append(html, $"<rect x=\"{labelWidth + 200}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"#a9c1d9\"/><text x=\"{labelWidth + 214}\" y=\"{legendY}\" font-size=\"11\">{E(w["previousPeriod"])}</text>\n");
        html.Append("</svg>\n");
    }

    private static void ResponseSection(StringBuilder html, LagesbildReport report, Words w)
    {
        Append(html, $"<section>\n<h2>{E(w["response"])}</h2>\n");
        Append(html, $"<p>{E(w["responseIntro"])}</p>\n");
        Append(html, $"<table>\n<thead><tr><th>{E(w["step"])}</th><th>{E(w["count"])}</th><th>{E(w["median"])}</th><th>{E(w["p90"])}</th><th>{E(w["previousMedian"])}</th><th>{E(w["previousP90"])}</th></tr></thead>\n<tbody>\n");
        ResponseRow(html, w["step.toAck"], report.Current.ResponseTimes.RaisedToAcknowledged, report.Previous.ResponseTimes.RaisedToAcknowledged);
        ResponseRow(html, w["step.ackToOnSite"], report.Current.ResponseTimes.AcknowledgedToOnSite, report.Previous.ResponseTimes.AcknowledgedToOnSite);
        ResponseRow(html, w["step.toOnSite"], report.Current.ResponseTimes.RaisedToOnSite, report.Previous.ResponseTimes.RaisedToOnSite);
        html.Append("</tbody>\n</table>\n");
        Append(html, $"<table>\n<thead><tr><th>{E(w["place"])}</th><th>{E(w["col.medianToAck"])}</th><th>{E(w["col.p90ToAck"])}</th><th>{E(w["col.medianToOnSite"])}</th><th>{E(w["col.p90ToOnSite"])}</th></tr></thead>\n<tbody>\n");
        foreach (var place in report.Places.Where(p => p.Current.Alerts.Count > 0))
        {
            var t = place.Current.ResponseTimes;
            Append(html, $"<tr><td>{E(place.Name)}</td><td>{Duration(t.RaisedToAcknowledged.MedianSeconds)}</td><td>{Duration(t.RaisedToAcknowledged.P90Seconds)}</td><td>{Duration(t.RaisedToOnSite.MedianSeconds)}</td><td>{Duration(t.RaisedToOnSite.P90Seconds)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void ResponseRow(StringBuilder html, string step, ResponseTime current, ResponseTime previous) =>
        Append(html, $"<tr><td>{E(step)}</td><td>{current.Count}</td><td>{Duration(current.MedianSeconds)}</td><td>{Duration(current.P90Seconds)}</td><td class=\"muted\">{Duration(previous.MedianSeconds)}</td><td class=\"muted\">{Duration(previous.P90Seconds)}</td></tr>\n");

    private static void TrendSection(StringBuilder html, IReadOnlyList<Trend> trends, Words w)
    {
        Append(html, $"<section>\n<h2>{E(w["trends"])}</h2>\n");
        Append(html, $"<table>\n<thead><tr><th>{E(w["metric"])}</th><th>{E(w["thisPeriod"])}</th><th>{E(w["previousPeriod"])}</th><th>{E(w["change"])}</th></tr></thead>\n<tbody>\n");
        foreach (var trend in trends)
        {
            var seconds = trend.Metric.Contains("seconds", StringComparison.Ordinal);
            string Value(double? v) => seconds ? Duration(v) : v is { } x ? w.Num(x, trend.Metric.EndsWith("hours", StringComparison.Ordinal) ? 1 : 0) : "–";
            Append(html, $"<tr><td>{E(w.Get("metric." + trend.Metric) ?? trend.Metric)}</td><td>{Value(trend.Current)}</td><td>{Value(trend.Previous)}</td><td>{Change(trend, w)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void PlaceSection(StringBuilder html, LagesbildReport report, Words w)
    {
        Append(html, $"<section>\n<h2>{E(w["perPlace"])}</h2>\n");
        Append(html, $"<table>\n<thead><tr><th>{E(w["place"])}</th><th>{E(w["areaHeader"])}</th><th>{E(w["col.alertHours"])}</th><th>{E(w["col.elevatedHours"])}</th><th>{E(w["col.alerts"])}</th><th>{E(w["col.alertChange"])}</th><th>{E(w["col.medianToOnSite"])}</th></tr></thead>\n<tbody>\n");
        foreach (var place in report.Places)
        {
            var alerts = place.Trends.First(t => t.Metric == "alerts");
            Append(html, $"<tr><td>{E(place.Name)}</td><td>{E(place.Area ?? "–")}</td>");
            Append(html, $"<td>{w.Num(place.Current.Hours.Alert, 1)}</td><td>{w.Num(place.Current.Hours.Elevated, 1)}</td><td>{place.Current.Alerts.Count}</td><td>{Change(alerts, w)}</td>");
            Append(html, $"<td>{Duration(place.Current.ResponseTimes.RaisedToOnSite.MedianSeconds)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void PrecisionSection(StringBuilder html, LagesbildReport report, Words w)
    {
        if (report.Precision is not { } precision)
        {
            return;
        }

        Append(html, $"<section>\n<h2>{E(w["precision"])}</h2>\n");
        if (precision.Rules.Count == 0)
        {
            Append(html, $"<p class=\"meta\">{E(w["precision.none"])}</p>\n</section>\n");
            return;
        }

        var names = report.Places.ToDictionary(p => p.PlaceId, p => p.Name, StringComparer.Ordinal);
        Append(html, $"<p class=\"meta\">{E(w["precision.note"])}</p>\n");
        Append(html, $"<table>\n<thead><tr><th>{E(w["place"])}</th><th>{E(w["col.cause"])}</th><th>{E(w["col.raised"])}</th><th>{E(w["col.confirmed"])}</th><th>{E(w["col.falseAlarms"])}</th><th>{E(w["col.precision"])}</th><th>{E(w["col.medianToAck"])}</th></tr></thead>\n<tbody>\n");
        foreach (var rule in precision.Rules)
        {
            var c = rule.Counts;
            var share = c.Precision is { } p ? w.Num(p * 100, 0) + " %" : "–";
            Append(html, $"<tr><td>{E(names.GetValueOrDefault(rule.PlaceId) ?? rule.PlaceId)}</td><td>{E(w.Term("kind", rule.Cause))}</td>");
            Append(html, $"<td>{c.Raised}</td><td>{c.Confirmed}</td><td>{c.FalseAlarms}</td><td>{share}</td><td>{Duration(c.MedianSecondsToAcknowledged)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static string Trend(IReadOnlyList<Trend> trends, string metric, Words w) =>
        trends.FirstOrDefault(t => t.Metric == metric) is { } trend ? $"<span>{Change(trend, w)}</span>" : "";

    /// <summary>The change with an arrow; for everything the report follows, less is better (fewer alerts, faster response).</summary>
    private static string Change(Trend trend, Words w)
    {
        if (trend.Change is not { } change)
        {
            return "<span class=\"muted\">–</span>";
        }

        var seconds = trend.Metric.Contains("seconds", StringComparison.Ordinal);
        var decimals = trend.Metric.EndsWith("hours", StringComparison.Ordinal) ? 1 : 0;
        var amount = seconds ? Duration(Math.Abs(change)) : w.Num(Math.Abs(change), decimals);
        if (seconds ? Math.Round(Math.Abs(change)) == 0 : Math.Round(Math.Abs(change), decimals) == 0)
        {
            // Too small to show: say so rather than print an arrow for "0,0".
            return "<span class=\"muted\">± 0</span>";
        }

        var percent = trend.ChangePercent is { } p && Math.Round(Math.Abs(p)) > 0 ? $" ({(p > 0 ? "+" : "−")}{w.Num(Math.Abs(p), 0)} %)" : "";
        return change > 0
            ? $"<span class=\"up\">▲ +{amount}{percent}</span>"
            : $"<span class=\"down\">▼ −{amount}{percent}</span>";
    }

    /// <summary>A duration as people read it: 45 s, 3 min 20 s, 1 h 5 min.</summary>
    internal static string Duration(double? seconds)
    {
        if (seconds is not { } s)
        {
            return "–";
        }

        var span = TimeSpan.FromSeconds(Math.Round(Math.Abs(s)));
        return span.TotalHours >= 1
            ? string.Create(Invariant, $"{(int)span.TotalHours} h {span.Minutes} min")
            : span.TotalMinutes >= 1 ? string.Create(Invariant, $"{span.Minutes} min {span.Seconds} s") : string.Create(Invariant, $"{span.Seconds} s");
    }

    private static string Percent(double part, double whole, Words w) => whole <= 0 ? "–" : w.Num(100 * part / whole, 0) + "\u00a0%";

    private static string F(double value) => value.ToString("0.##", Invariant);

    private static string Date(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Local).ToString("yyyy-MM-dd", Invariant);

    private static string Time(DateTimeOffset t) => TimeZoneInfo.ConvertTime(t, Local).ToString("yyyy-MM-dd HH:mm", Invariant);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static void Append(StringBuilder html, string text) => html.Append(text);

    private static TimeZoneInfo FindLocal()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Europe/Stockholm");
        }
        catch (TimeZoneNotFoundException)
        {
            return TimeZoneInfo.Utc;
        }
    }

    private static Dictionary<string, Dictionary<string, string>> LoadGlossary()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Pax.Live.Server.glossary.json")
            ?? throw new InvalidOperationException("The glossary is not embedded: see Pax.Live.Server.csproj.");
        return JsonSerializer.Deserialize<Dictionary<string, Dictionary<string, string>>>(stream)
            ?? throw new InvalidOperationException("The glossary is empty.");
    }

    /// <summary>The report's words in one language: its own phrases and the glossary's terms.</summary>
    private sealed class Words(string language)
    {
        public string Language { get; } = language;

        public string this[string key] => Get(key) ?? key;

        public string? Get(string key) => Phrases[Language].GetValueOrDefault(key);

        public string F(string key, params object[] args) => string.Format(Invariant, this[key], args);

        /// <summary>A glossary term (<c>Term("kind", "impulse")</c>); the code itself when the glossary has none.</summary>
        public string Term(string prefix, string code) =>
            Glossary.GetValueOrDefault(Language)?.GetValueOrDefault($"{prefix}.{code}") ?? code;

        /// <summary>A number in the language's notation, never "-0": Swedish has a decimal comma and a space between thousands.</summary>
        public string Num(double value, int decimals)
        {
            var rounded = Math.Round(value, decimals);
            if (rounded == 0)
            {
                rounded = 0; // -0.0 == 0: this drops the sign
            }

            var text = rounded.ToString("N" + decimals.ToString(Invariant), Invariant);
            return Language == "sv" ? text.Replace(",", "\u00a0", StringComparison.Ordinal).Replace(".", ",", StringComparison.Ordinal) : text;
        }
    }
}
