namespace Pax.Live.Aggregation.Reports;

/// <summary>
/// How often alerts were right, from the outcomes people gave them when they resolved them. <see cref="Precision"/> is
/// confirmed ÷ (confirmed + false alarms); "no action needed" (looked at, nothing to do) counts for neither, and alerts
/// still open count only as raised. Null when no alert has been judged yet.
/// </summary>
public sealed record PrecisionCounts(
    int Raised, int Confirmed, int FalseAlarms, int NoActionNeeded, int Open, double? Precision, double? MedianSecondsToAcknowledged)
{
    /// <summary>The counts of <paramref name="alerts"/>.</summary>
    public static PrecisionCounts Of(IReadOnlyCollection<AlertFact> alerts)
    {
        int confirmed = 0, falseAlarms = 0, noAction = 0, open = 0;
        var acknowledged = new List<double>(alerts.Count);
        foreach (var alert in alerts)
        {
            switch (alert.ResolvedAt is null ? null : alert.Outcome)
            {
                case "confirmed":
                    confirmed++;
                    break;
                case "false-alarm":
                    falseAlarms++;
                    break;
                case null:
                    open++;
                    break;
                default:
                    noAction++;
                    break;
            }

            if (alert.SecondsToAcknowledged is { } seconds)
            {
                acknowledged.Add(seconds);
            }
        }

        acknowledged.Sort();
        var judged = confirmed + falseAlarms;
        return new PrecisionCounts(
            alerts.Count, confirmed, falseAlarms, noAction, open, judged == 0 ? null : Math.Round((double)confirmed / judged, 3),
            LagesbildMath.Percentile(acknowledged, 0.5));
    }
}

/// <summary>One rule: a place's alerts of one cause (<c>impulse</c>, <c>fire</c>, <c>report</c>).</summary>
public sealed record RulePrecisionRow(string PlaceId, string Cause, PrecisionCounts Counts);

/// <summary>One device: the alerts its readings raised at a place, of every cause.</summary>
public sealed record DevicePrecisionRow(string DeviceId, string PlaceId, PrecisionCounts Counts);

/// <summary>Precision per rule and per device over the alerts raised in [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record PrecisionReport(
    DateTimeOffset From, DateTimeOffset To, string? Area, IReadOnlyList<RulePrecisionRow> Rules, IReadOnlyList<DevicePrecisionRow> Devices)
{
    /// <summary>
    /// The rows of <paramref name="alerts"/> (those raised in the period, of the places asked for). The rules and devices
    /// that raised the most false alarms come first: they are the ones to tune.
    /// </summary>
    public static PrecisionReport Of(DateTimeOffset from, DateTimeOffset to, string? area, IReadOnlyCollection<AlertFact> alerts)
    {
        var rules = alerts
            .GroupBy(a => (a.PlaceId, a.Cause))
            .Select(g => new RulePrecisionRow(g.Key.PlaceId, g.Key.Cause, PrecisionCounts.Of(g.ToArray())))
            .OrderByDescending(r => r.Counts.FalseAlarms).ThenBy(r => r.PlaceId, StringComparer.Ordinal).ThenBy(r => r.Cause, StringComparer.Ordinal)
            .ToArray();
        var devices = alerts
            .Where(a => a.DeviceId is not null)
            .GroupBy(a => (DeviceId: a.DeviceId!, a.PlaceId))
            .Select(g => new DevicePrecisionRow(g.Key.DeviceId, g.Key.PlaceId, PrecisionCounts.Of(g.ToArray())))
            .OrderByDescending(r => r.Counts.FalseAlarms).ThenBy(r => r.DeviceId, StringComparer.Ordinal).ThenBy(r => r.PlaceId, StringComparer.Ordinal)
            .ToArray();
        return new PrecisionReport(from, to, area, rules, devices);
    }
}
