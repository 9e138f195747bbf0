using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Replay;

/// <summary>An alert that happened and how the person who resolved it judged it.</summary>
public readonly record struct JudgedAlert(DateTimeOffset RaisedAt, bool Confirmed);

/// <summary>One candidate of a sweep: what its replay raised of the alerts people judged, and how many it raised in all.</summary>
public sealed record SweepCandidate(double Threshold, int Raised, int ConfirmedKept, int FalseAlarmsKept);

/// <summary>A sweep's answer: every candidate, the current threshold's, and the suggested one (null when no alert was judged).</summary>
public sealed record SweepResult(
    SignalKind Kind, int Confirmed, int FalseAlarms, SweepCandidate Current, SweepCandidate? Suggested, IReadOnlyList<SweepCandidate> Candidates);

/// <summary>
/// Which alert threshold would have kept the confirmed alerts and dropped the false ones: the place's history replayed
/// once per candidate (the model itself, <see cref="PlaceReplay"/>); a judged alert counts as kept when the candidate
/// raises one from a slot before it until its cause's hold ran out. The suggestion keeps every confirmed alert if any candidate does, then drops the most false
/// alarms, then stays nearest the current threshold. Only fire has an alert threshold: bangs (impulse) and severity-3
/// reports always raise one, and the periodic kinds' thresholds elevate the level without raising an alert, so they
/// have no outcomes to learn from.
/// </summary>
public static class ThresholdSweep
{
    /// <summary><paramref name="rules"/> with fire alerting from <paramref name="threshold"/> (and certain no lower).</summary>
    public static PlaceRules WithFireAlertAt(PlaceRules rules, double threshold) =>
        rules with { FireAlertAt = threshold, FireCertainAt = Math.Max(threshold, rules.FireCertainAt) };

    /// <summary>The kinds whose alerts follow a threshold a sweep can move.</summary>
    public static bool CanSweep(SignalKind kind) => kind == SignalKind.Fire;

    /// <summary>Sweeps the fire alert threshold from 0.50 to 0.99 in steps of 0.01, and the current one.</summary>
    public static SweepResult Fire(
        string placeId, PlaceRules rules, IReadOnlyList<SignalSlot> slots, IReadOnlyList<JudgedAlert> judged, long fromMs, long toMs)
    {
        // Fire alerts follow fire readings alone: the other kinds' slots cannot change them, so the sweep replays only these.
        var fire = slots.Where(s => s.Kind == SignalKind.Fire).ToArray();
        SweepCandidate Run(double threshold)
        {
            var alerts = PlaceReplay.Run(placeId, WithFireAlertAt(rules, threshold), fire, fromMs, toMs).Alerts;
            int confirmed = 0, falseAlarms = 0;
            foreach (var alert in judged)
            {
                // The same fire if raised from a slot before it until its hold ran out: a higher threshold raises it later.
                if (alerts.Any(a => a.RaisedAt >= alert.RaisedAt.AddMilliseconds(-SignalSlot.WidthMs) && a.RaisedAt <= alert.RaisedAt + rules.CauseHold))
                {
                    confirmed += alert.Confirmed ? 1 : 0;
                    falseAlarms += alert.Confirmed ? 0 : 1;
                }
            }

            return new SweepCandidate(threshold, alerts.Count, confirmed, falseAlarms);
        }

        var candidates = Enumerable.Range(50, 50).Select(c => Run(c / 100.0)).ToList();
        var current = candidates.FirstOrDefault(c => Math.Abs(c.Threshold - rules.FireAlertAt) < 1e-9) ?? Run(rules.FireAlertAt);
        var confirmedTotal = judged.Count(j => j.Confirmed);
        var suggested = judged.Count == 0
            ? null
            : candidates
                .OrderByDescending(c => c.ConfirmedKept)
                .ThenBy(c => c.FalseAlarmsKept)
                .ThenBy(c => Math.Abs(c.Threshold - rules.FireAlertAt))
                .First();
        return new SweepResult(SignalKind.Fire, confirmedTotal, judged.Count - confirmedTotal, current, suggested, candidates);
    }
}
