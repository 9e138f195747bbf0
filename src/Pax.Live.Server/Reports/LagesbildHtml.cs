using System.Globalization;
using System.Net;
using System.Text;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Reports;

/// <summary>
/// The lägesbild as one self-contained HTML page: styles and charts (inline SVG) are in the page, nothing is fetched
/// from anywhere and no script runs, so it can be mailed, archived and printed as it is. Swedish, with the English term
/// where a reader may need it; times in UTC.
/// </summary>
public static class LagesbildHtml
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private static readonly (Level Level, string Label, string Colour)[] LevelStyles =
    [
        (Level.Calm, "Lugnt (calm)", "#3a9a5b"),
        (Level.Elevated, "Förhöjt (elevated)", "#e0a31b"),
        (Level.Alert, "Larm (alert)", "#c8322d"),
        (Level.Unknown, "Okänt (unknown)", "#9aa0a6"),
    ];

    private static readonly Dictionary<string, string> CauseLabels = new(StringComparer.Ordinal)
    {
        ["impulse"] = "Knall/impuls (impulse)",
        ["fire"] = "Brand (fire)",
        ["report"] = "Rapport (report)",
    };

    private static readonly Dictionary<string, string> OutcomeLabels = new(StringComparer.Ordinal)
    {
        ["confirmed"] = "Bekräftat (confirmed)",
        ["false-alarm"] = "Falsklarm (false alarm)",
        ["no-action-needed"] = "Ingen åtgärd behövdes (no action needed)",
        ["open"] = "Ej avslutat (open)",
    };

    private static readonly Dictionary<string, string> MetricLabels = new(StringComparer.Ordinal)
    {
        ["alerts"] = "Antal larm (alerts)",
        ["false-alarms"] = "Falsklarm (false alarms)",
        ["alert-hours"] = "Timmar i larm (hours at alert)",
        ["elevated-hours"] = "Timmar förhöjt (hours elevated)",
        ["unknown-hours"] = "Timmar okänt (hours unknown)",
        ["median-seconds-to-acknowledged"] = "Median tid till kvittering (median to acknowledged)",
        ["median-seconds-to-on-site"] = "Median tid till plats (median to on site)",
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

    /// <summary>The page.</summary>
    public static string Render(LagesbildReport report)
    {
        var html = new StringBuilder(16_384);
        var area = report.Area is null ? "alla områden (all areas)" : $"område {report.Area}";
        html.Append("<!DOCTYPE html>\n<html lang=\"sv\">\n<head>\n<meta charset=\"utf-8\">\n");
        html.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        Append(html, $"<title>Lägesbild {Date(report.From)} – {Date(report.To)}, {E(area)}</title>\n");
        html.Append("<style>\n").Append(Style).Append("</style>\n</head>\n<body>\n");

        Append(html, $"<h1>Lägesbild <span class=\"muted\">(situation report)</span></h1>\n");
        Append(html, $"<p class=\"meta\">Period: <b>{Time(report.From)} – {Time(report.To)}</b> (UTC), {E(area)}, {report.Places.Count} {(report.Places.Count == 1 ? "plats (place)" : "platser (places)")}.</p>\n");
        Append(html, $"<p class=\"meta\">Jämförs med föregående period (compared with the previous period) {Time(report.PreviousFrom)} – {Time(report.PreviousTo)}.");
        if (report.HoursUntil < report.To)
        {
            Append(html, $" Perioden pågår: timmar räknas till {Time(report.HoursUntil)} (the period is not over: hours count until then).");
        }

        Append(html, $" Skapad (generated) {Time(report.GeneratedAt)}.</p>\n");
        if (report.HistorySince is { } since && report.PreviousFrom < since)
        {
            Append(html, $"<p class=\"warning\"><b>Ofullständigt underlag (incomplete data):</b> historik före {Time(since)} har rensats enligt lagringstiden (purged by the retention), så siffror för tiden före dess, och trender som jämför med den, är ofullständiga.</p>\n");
        }


        Summary(html, report);
        LevelSection(html, report);
        AlertSection(html, report);
        ResponseSection(html, report);
        TrendSection(html, report.Trends);
        PlaceSection(html, report);

        html.Append("<p class=\"meta\">Nivåtimmar bygger på platsernas nivåändringar (level changes); ett larm räknas i perioden då det larmades (raised). ");
        html.Append("Kvitterat (acknowledged) är första gången en person tog sig an larmet. Percentiler interpoleras mellan närmaste värden. ");
        html.Append("Rapporten innehåller inga uppgifter om enskilda personer (no personal data).</p>\n");
        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static void Summary(StringBuilder html, LagesbildReport report)
    {
        var c = report.Current;
        html.Append("<section>\n<h2>Sammanfattning (summary)</h2>\n<div class=\"cards\">\n");
        Card(html, "Larm (alerts)", Num(c.Alerts.Count, 0), Trend(report.Trends, "alerts"));
        Card(html, "Timmar i larm (hours at alert)", Num(c.Hours.Alert, 1), Trend(report.Trends, "alert-hours"));
        Card(html, "Median till kvittering (to acknowledged)", Duration(c.ResponseTimes.RaisedToAcknowledged.MedianSeconds), Trend(report.Trends, "median-seconds-to-acknowledged"));
        Card(html, "Median till plats (to on site)", Duration(c.ResponseTimes.RaisedToOnSite.MedianSeconds), Trend(report.Trends, "median-seconds-to-on-site"));
        Card(html, "Falsklarm (false alarms)", Num(c.Alerts.ByOutcome.GetValueOrDefault("false-alarm"), 0), Trend(report.Trends, "false-alarms"));
        html.Append("</div>\n</section>\n");
    }

    private static void Card(StringBuilder html, string label, string value, string trend) =>
        Append(html, $"<div class=\"card\">{E(label)}<b>{E(value)}</b>{trend}</div>\n");

    private static void LevelSection(StringBuilder html, LagesbildReport report)
    {
        html.Append("<section>\n<h2>Timmar per nivå (hours at each level)</h2>\n");
        Legend(html);
        if (report.Places.Count > 0)
        {
            LevelBars(html, report.Places);
        }

        html.Append("<table>\n<thead><tr><th>Plats (place)</th>");
        foreach (var (_, label, _) in LevelStyles)
        {
            Append(html, $"<th>{E(label)}</th>");
        }

        html.Append("</tr></thead>\n<tbody>\n");
        foreach (var place in report.Places)
        {
            LevelRow(html, place.Name, place.Current.Hours);
        }

        LevelRow(html, "Totalt (total)", report.Current.Hours, bold: true);
        LevelRow(html, "Föregående period (previous)", report.Previous.Hours, muted: true);
        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void LevelRow(StringBuilder html, string name, LevelHours hours, bool bold = false, bool muted = false)
    {
        Append(html, $"<tr{(muted ? " class=\"muted\"" : "")}><td>{(bold ? "<b>" : "")}{E(name)}{(bold ? "</b>" : "")}</td>");
        foreach (var (level, _, _) in LevelStyles)
        {
            Append(html, $"<td>{Num(hours[level], 1)} h <span class=\"muted\">({Percent(hours[level], hours.Total)})</span></td>");
        }

        html.Append("</tr>\n");
    }

    private static void Legend(StringBuilder html)
    {
        html.Append("<p class=\"legend\">");
        foreach (var (_, label, colour) in LevelStyles)
        {
            Append(html, $"<span><i style=\"background:{colour}\"></i>{E(label)}</span>");
        }

        html.Append("</p>\n");
    }

    /// <summary>One stacked bar per place: the share of the period at each level.</summary>
    private static void LevelBars(StringBuilder html, IReadOnlyList<PlaceReport> places)
    {
        const int labelWidth = 220, barWidth = 640, rowHeight = 22, gap = 6;
        var height = (places.Count * (rowHeight + gap)) + gap;
        Append(html, $"<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Timmar per nivå och plats\" width=\"100%\" viewBox=\"0 0 {labelWidth + barWidth + 10} {height}\">\n");
        for (var i = 0; i < places.Count; i++)
        {
            var place = places[i];
            var y = gap + (i * (rowHeight + gap));
            Append(html, $"<text x=\"0\" y=\"{y + 15}\" font-size=\"13\">{E(Truncate(place.Name, 30))}</text>\n");
            var total = place.Current.Hours.Total;
            double x = labelWidth;
            foreach (var (level, label, colour) in LevelStyles)
            {
                var hours = place.Current.Hours[level];
                if (total <= 0 || hours <= 0)
                {
                    continue;
                }

                var width = barWidth * hours / total;
                Append(html, $"<rect x=\"{F(x)}\" y=\"{y}\" width=\"{F(width)}\" height=\"{rowHeight}\" fill=\"{colour}\"><title>{E(place.Name)}: {E(label)} {Num(hours, 1)} h</title></rect>\n");
                x += width;
            }
        }

        html.Append("</svg>\n");
    }

    private static void AlertSection(StringBuilder html, LagesbildReport report)
    {
        html.Append("<section>\n<h2>Larm per orsak och utfall (alerts by cause and outcome)</h2>\n");
        Append(html, $"<p>{report.Current.Alerts.Count} larm (alerts), varav {report.Current.Alerts.Escalated} eskalerade till arbetsledare (escalated); föregående period {report.Previous.Alerts.Count}.</p>\n");
        html.Append("<h3>Per orsak (by cause)</h3>\n");
        Bars(html, "Larm per orsak", LagesbildMath.Causes.Select(c => (CauseLabels.GetValueOrDefault(c, c), report.Current.Alerts.ByCause.GetValueOrDefault(c), report.Previous.Alerts.ByCause.GetValueOrDefault(c))).ToArray());
        html.Append("<h3>Per utfall (by outcome)</h3>\n");
        Bars(html, "Larm per utfall", LagesbildMath.Outcomes.Select(o => (OutcomeLabels.GetValueOrDefault(o, o), report.Current.Alerts.ByOutcome.GetValueOrDefault(o), report.Previous.Alerts.ByOutcome.GetValueOrDefault(o))).ToArray());
        html.Append("<table>\n<thead><tr><th>Plats (place)</th>");
        foreach (var cause in LagesbildMath.Causes)
        {
            Append(html, $"<th>{E(CauseLabels[cause])}</th>");
        }

        foreach (var outcome in LagesbildMath.Outcomes)
        {
            Append(html, $"<th>{E(OutcomeLabels[outcome])}</th>");
        }

        html.Append("<th>Totalt (total)</th></tr></thead>\n<tbody>\n");
        foreach (var place in report.Places.Where(p => p.Current.Alerts.Count > 0 || p.Previous.Alerts.Count > 0))
        {
            AlertRow(html, place.Name, place.Current.Alerts);
        }

        AlertRow(html, "Totalt (total)", report.Current.Alerts);
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
    private static void Bars(StringBuilder html, string title, (string Label, int Current, int Previous)[] rows)
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
            Append(html, $"<rect x=\"{labelWidth}\" y=\"{y + 4 + barHeight + 2}\" width=\"{F(w2)}\" height=\"{barHeight}\" fill=\"#a9c1d9\"><title>{E(label)}, föregående period: {previous}</title></rect>");
            Append(html, $"<text x=\"{F(labelWidth + w2 + 4)}\" y=\"{y + 4 + barHeight + 13}\" font-size=\"11\" fill=\"#555\">{previous}</text>\n");
        }

        var legendY = (rows.Length * rowHeight) + 14;
        Append(html, $"<rect x=\"{labelWidth}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"#2d5c8a\"/><text x=\"{labelWidth + 14}\" y=\"{legendY}\" font-size=\"11\">Denna period (this period)</text>");
        Append(html, $"<rect x=\"{labelWidth + 200}\" y=\"{legendY - 9}\" width=\"10\" height=\"10\" fill=\"#a9c1d9\"/><text x=\"{labelWidth + 214}\" y=\"{legendY}\" font-size=\"11\">Föregående period (previous period)</text>\n");
        html.Append("</svg>\n");
    }

    private static void ResponseSection(StringBuilder html, LagesbildReport report)
    {
        html.Append("<section>\n<h2>Insatstider (response times)</h2>\n");
        html.Append("<p>Från larm till kvittering till plats (raised → acknowledged → on site): median och 90:e percentil.</p>\n");
        html.Append("<table>\n<thead><tr><th>Steg (step)</th><th>Antal (count)</th><th>Median</th><th>90:e percentil (p90)</th><th>Föregående median (previous)</th><th>Föregående p90</th></tr></thead>\n<tbody>\n");
        ResponseRow(html, "Larm → kvitterat (raised → acknowledged)", report.Current.ResponseTimes.RaisedToAcknowledged, report.Previous.ResponseTimes.RaisedToAcknowledged);
        ResponseRow(html, "Kvitterat → på plats (acknowledged → on site)", report.Current.ResponseTimes.AcknowledgedToOnSite, report.Previous.ResponseTimes.AcknowledgedToOnSite);
        ResponseRow(html, "Larm → på plats (raised → on site)", report.Current.ResponseTimes.RaisedToOnSite, report.Previous.ResponseTimes.RaisedToOnSite);
        html.Append("</tbody>\n</table>\n");
        html.Append("<table>\n<thead><tr><th>Plats (place)</th><th>Median till kvittering</th><th>p90 till kvittering</th><th>Median till plats</th><th>p90 till plats</th></tr></thead>\n<tbody>\n");
        foreach (var place in report.Places.Where(p => p.Current.Alerts.Count > 0))
        {
            var t = place.Current.ResponseTimes;
            Append(html, $"<tr><td>{E(place.Name)}</td><td>{Duration(t.RaisedToAcknowledged.MedianSeconds)}</td><td>{Duration(t.RaisedToAcknowledged.P90Seconds)}</td><td>{Duration(t.RaisedToOnSite.MedianSeconds)}</td><td>{Duration(t.RaisedToOnSite.P90Seconds)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void ResponseRow(StringBuilder html, string step, ResponseTime current, ResponseTime previous) =>
        Append(html, $"<tr><td>{E(step)}</td><td>{current.Count}</td><td>{Duration(current.MedianSeconds)}</td><td>{Duration(current.P90Seconds)}</td><td class=\"muted\">{Duration(previous.MedianSeconds)}</td><td class=\"muted\">{Duration(previous.P90Seconds)}</td></tr>\n");

    private static void TrendSection(StringBuilder html, IReadOnlyList<Trend> trends)
    {
        html.Append("<section>\n<h2>Trender mot föregående period (trends against the previous period)</h2>\n");
        html.Append("<table>\n<thead><tr><th>Mått (metric)</th><th>Denna period</th><th>Föregående</th><th>Förändring (change)</th></tr></thead>\n<tbody>\n");
        foreach (var trend in trends)
        {
            var seconds = trend.Metric.Contains("seconds", StringComparison.Ordinal);
            string Value(double? v) => seconds ? Duration(v) : v is { } x ? Num(x, trend.Metric.EndsWith("hours", StringComparison.Ordinal) ? 1 : 0) : "–";
            Append(html, $"<tr><td>{E(MetricLabels.GetValueOrDefault(trend.Metric, trend.Metric))}</td><td>{Value(trend.Current)}</td><td>{Value(trend.Previous)}</td><td>{Change(trend)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static void PlaceSection(StringBuilder html, LagesbildReport report)
    {
        html.Append("<section>\n<h2>Per plats (per place)</h2>\n");
        html.Append("<table>\n<thead><tr><th>Plats (place)</th><th>Område (area)</th><th>Timmar i larm</th><th>Timmar förhöjt</th><th>Larm (alerts)</th><th>Förändring larm</th><th>Median till plats</th></tr></thead>\n<tbody>\n");
        foreach (var place in report.Places)
        {
            var alerts = place.Trends.First(t => t.Metric == "alerts");
            Append(html, $"<tr><td>{E(place.Name)} <span class=\"muted\">{E(place.PlaceId)}</span></td><td>{E(place.Area ?? "–")}</td>");
            Append(html, $"<td>{Num(place.Current.Hours.Alert, 1)}</td><td>{Num(place.Current.Hours.Elevated, 1)}</td><td>{place.Current.Alerts.Count}</td><td>{Change(alerts)}</td>");
            Append(html, $"<td>{Duration(place.Current.ResponseTimes.RaisedToOnSite.MedianSeconds)}</td></tr>\n");
        }

        html.Append("</tbody>\n</table>\n</section>\n");
    }

    private static string Trend(IReadOnlyList<Trend> trends, string metric) =>
        trends.FirstOrDefault(t => t.Metric == metric) is { } trend ? $"<span>{Change(trend)}</span>" : "";

    /// <summary>The change with an arrow; for everything the report follows, less is better (fewer alerts, faster response).</summary>
    private static string Change(Trend trend)
    {
        if (trend.Change is not { } change)
        {
            return "<span class=\"muted\">–</span>";
        }

        var seconds = trend.Metric.Contains("seconds", StringComparison.Ordinal);
        var amount = seconds ? Duration(Math.Abs(change)) : Num(Math.Abs(change), trend.Metric.EndsWith("hours", StringComparison.Ordinal) ? 1 : 0);
        if (amount is "0" or "0,0" or "0 s")
        {
            // Too small to show: say so rather than print an arrow for "0,0".
            return "<span class=\"muted\">± 0</span>";
        }

        var percent = trend.ChangePercent is { } p ? $" ({(p > 0 ? "+" : "−")}{Num(Math.Abs(p), 0)} %)" : "";
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

        var span = TimeSpan.FromSeconds(Math.Round(s));
        return span.TotalHours >= 1
            ? string.Create(Invariant, $"{(int)span.TotalHours} h {span.Minutes} min")
            : span.TotalMinutes >= 1 ? string.Create(Invariant, $"{span.Minutes} min {span.Seconds} s") : string.Create(Invariant, $"{span.Seconds} s");
    }

    /// <summary>A number the Swedish way: decimal comma, space between thousands.</summary>
    private static string Num(double value, int decimals) =>
        value.ToString("N" + decimals.ToString(Invariant), Invariant).Replace(",", "\u00a0", StringComparison.Ordinal).Replace(".", ",", StringComparison.Ordinal);

    private static string Percent(double part, double whole) => whole <= 0 ? "–" : Num(100 * part / whole, 0) + "\u00a0%";

    private static string F(double value) => value.ToString("0.##", Invariant);

    private static string Date(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", Invariant);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm", Invariant);

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";

    private static string E(string text) => WebUtility.HtmlEncode(text);

    private static void Append(StringBuilder html, string text) => html.Append(text);
}
