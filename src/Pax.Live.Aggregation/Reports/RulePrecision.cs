namespace Pax.Live.Aggregation.Reports;

/// <summary>How the person who resolved an alert judged it; <see cref="Open"/> while nobody has.</summary>
public enum Judgement : byte
{
    Open,
    Confirmed,
    FalseAlarm,
    NoActionNeeded,
}

/// <summary>What precision needs of one alert: its rule (place, cause), its device, how it was judged and how soon someone took it on.</summary>
public readonly record struct PrecisionFact(string PlaceId, string Cause, string? DeviceId, Judgement Judgement, double? SecondsToAcknowledged)
{
    /// <summary>The fact of a report's alert.</summary>
    public static PrecisionFact Of(AlertFact alert) =>
        new(alert.PlaceId, alert.Cause, alert.DeviceId, JudgementOf(alert.ResolvedAt is null ? null : alert.Outcome), alert.SecondsToAcknowledged);

    /// <summary>An outcome's wire name (<c>confirmed</c>, <c>false-alarm</c>, …) as a judgement; null is open.</summary>
    public static Judgement JudgementOf(string? outcome) => outcome switch
    {
        null => Judgement.Open,
        "confirmed" => Judgement.Confirmed,
        "false-alarm" => Judgement.FalseAlarm,
        _ => Judgement.NoActionNeeded,
    };
}

/// <summary>
/// How often alerts were right, from the outcomes people gave them when they resolved them. <see cref="Precision"/> is
/// confirmed ÷ (confirmed + false alarms); "no action needed" (looked at, nothing to do) counts for neither, and alerts
/// still open count only as raised. Null when no alert has been judged yet.
/// </summary>
public sealed record PrecisionCounts(
    int Raised, int Confirmed, int FalseAlarms, int NoActionNeeded, int Open, double? Precision, double? MedianSecondsToAcknowledged)
{
    /// <summary>The counts of <paramref name="facts"/>.</summary>
    public static PrecisionCounts Of(IEnumerable<PrecisionFact> facts)
    {
        var tally = new Tally();
        foreach (var fact in facts)
        {
            tally.Add(in fact);
        }

        return tally.Counts();
    }

    /// <summary>Counts kept while reading, one per rule or device.</summary>
    internal sealed class Tally
    {
        private readonly int[] _by = new int[4];
        private readonly List<double> _acknowledged = [];

        public void Add(in PrecisionFact fact)
        {
            _by[(int)fact.Judgement]++;
            if (fact.SecondsToAcknowledged is { } seconds)
            {
                _acknowledged.Add(seconds);
            }
        }

        public PrecisionCounts Counts()
        {
            _acknowledged.Sort();
            int confirmed = _by[(int)Judgement.Confirmed], falseAlarms = _by[(int)Judgement.FalseAlarm];
            var judged = confirmed + falseAlarms;
            return new PrecisionCounts(
                _by.Sum(), confirmed, falseAlarms, _by[(int)Judgement.NoActionNeeded], _by[(int)Judgement.Open],
                judged == 0 ? null : Math.Round((double)confirmed / judged, 3), LagesbildMath.Percentile(_acknowledged, 0.5));
        }
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
    /// <summary>The report of a lägesbild's alerts.</summary>
    public static PrecisionReport Of(DateTimeOffset from, DateTimeOffset to, string? area, IEnumerable<AlertFact> alerts) =>
        Of(from, to, area, alerts.Select(PrecisionFact.Of));

    /// <summary>
    /// The rows of <paramref name="facts"/> (the alerts raised in the period, of the places asked for). The rules and
    /// devices that raised the most false alarms come first: they are the ones to tune.
    /// </summary>
    public static PrecisionReport Of(DateTimeOffset from, DateTimeOffset to, string? area, IEnumerable<PrecisionFact> facts)
    {
        var builder = new Builder();
        foreach (var fact in facts)
        {
            builder.Add(in fact);
        }

        return builder.Build(from, to, area);
    }

    /// <summary>Counts facts as they are read (a year of alerts is never held as a list), then makes the report.</summary>
    public sealed class Builder
    {
        private readonly Dictionary<(string PlaceId, string Cause), PrecisionCounts.Tally> _rules = [];
        private readonly Dictionary<(string DeviceId, string PlaceId), PrecisionCounts.Tally> _devices = [];

        /// <summary>Counts one alert.</summary>
        public void Add(in PrecisionFact fact)
        {
            Tally(_rules, (fact.PlaceId, fact.Cause)).Add(in fact);
            if (fact.DeviceId is { } device)
            {
                Tally(_devices, (device, fact.PlaceId)).Add(in fact);
            }
        }

        /// <summary>The report of what was counted.</summary>
        public PrecisionReport Build(DateTimeOffset from, DateTimeOffset to, string? area) => new(
            from, to, area,
            [.. _rules.Select(r => new RulePrecisionRow(r.Key.PlaceId, r.Key.Cause, r.Value.Counts()))
                .OrderByDescending(r => r.Counts.FalseAlarms).ThenBy(r => r.PlaceId, StringComparer.Ordinal).ThenBy(r => r.Cause, StringComparer.Ordinal)],
            [.. _devices.Select(d => new DevicePrecisionRow(d.Key.DeviceId, d.Key.PlaceId, d.Value.Counts()))
                .OrderByDescending(d => d.Counts.FalseAlarms).ThenBy(d => d.DeviceId, StringComparer.Ordinal).ThenBy(d => d.PlaceId, StringComparer.Ordinal)]);

        private static PrecisionCounts.Tally Tally<TKey>(Dictionary<TKey, PrecisionCounts.Tally> tallies, TKey key)
            where TKey : notnull
        {
            if (!tallies.TryGetValue(key, out var tally))
            {
                tallies[key] = tally = new PrecisionCounts.Tally();
            }

            return tally;
        }
    }
}
