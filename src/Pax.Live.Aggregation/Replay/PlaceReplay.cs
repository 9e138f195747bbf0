using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Replay;

/// <summary>An alert a replay raised: when, of what kind and severity, and when its cause cleared (null: still open at the end).</summary>
public sealed record ReplayedAlert(SignalKind Kind, int Severity, DateTimeOffset RaisedAt, DateTimeOffset? CauseClearedAt);

/// <summary>What a replay gave: the level at the start and every change after it, and the alerts raised.</summary>
public sealed record ReplayResult(Level StartLevel, IReadOnlyList<LevelChange> Levels, IReadOnlyList<ReplayedAlert> Alerts)
{
    /// <summary>The hours at each level in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public LevelHours Hours(DateTimeOffset from, DateTimeOffset to) => LagesbildMath.Integrate(Levels, from, to);
}

/// <summary>
/// Runs the live place model (<see cref="Place"/>, the code the place's grain hosts) over a place's stored slots with
/// candidate rules: each slot goes in as its readings (the maximum, then the last, at the last reading's time) and the
/// model is ticked wherever it says something is due, exactly as the grain's timer does. With one reading per kind
/// per slot the input is the live input, so with the live rules the replay gives the live levels and alerts. With
/// denser readings a slot stands for its maximum and last, so a change can move by up to a slot (10 s).
/// Nobody resolves alerts in a replay: an alert counts as over when its cause clears, so that the cause coming back
/// raises a new one, as it would once the operator had resolved it.
/// </summary>
public static class PlaceReplay
{
    private const string Device = "replay";

    /// <summary>Replays <paramref name="slots"/> (in time order) under <paramref name="rules"/> over [<paramref name="fromMs"/>, <paramref name="toMs"/>).</summary>
    public static ReplayResult Run(string placeId, PlaceRules rules, IReadOnlyList<SignalSlot> slots, long fromMs, long toMs)
    {
        var run = new Replaying(placeId, rules, fromMs);
        foreach (var slot in slots)
        {
            if (slot.LastAt < fromMs)
            {
                continue;
            }

            if (slot.LastAt >= toMs)
            {
                break;
            }

            run.AdvanceTo(slot.LastAt);
            if (slot.Count > 1 && slot.Max > slot.Last)
            {
                run.Place.Read(Device, slot.Kind, slot.Max, slot.LastAt, slot.LastAt);
            }

            run.Place.Read(Device, slot.Kind, slot.Last, slot.LastAt, slot.LastAt);
            run.Carry(run.Place.Settle(slot.LastAt), slot.LastAt);
        }

        run.AdvanceTo(toMs - 1);
        return new ReplayResult(Level.Unknown, run.Levels, run.Alerts);
    }

    private sealed class Replaying(string placeId, PlaceRules rules, long fromMs)
    {
        private readonly Dictionary<string, int> _alertIndex = new(StringComparer.Ordinal);
        private long _now = fromMs;
        private Level _level = Level.Unknown;

        public Place Place { get; } = NewPlace(placeId, rules, fromMs);

        public List<LevelChange> Levels { get; } = [];

        public List<ReplayedAlert> Alerts { get; } = [];

        /// <summary>Ticks the model at every moment it says something is due up to <paramref name="until"/>.</summary>
        public void AdvanceTo(long until)
        {
            while (true)
            {
                var due = Math.Max(Place.NextWakeAt(_now), _now + 1);
                if (due > until)
                {
                    break;
                }

                Carry(Place.Tick(due), due);
            }

            _now = Math.Max(_now, until);
        }

        public void Carry(PlaceEffects effects, long now)
        {
            _now = now;
            foreach (var opened in effects.Opened)
            {
                _alertIndex[opened.AlertId] = Alerts.Count;
                Alerts.Add(new ReplayedAlert(opened.Kind, opened.Severity, At(opened.RaisedAt), null));
            }

            // The effects are the model's own lists, refilled by its next call: take what cleared first.
            var cleared = effects.CausesCleared.Count == 0 ? [] : effects.CausesCleared.ToArray();
            if (Place.Core.Level != _level)
            {
                Levels.Add(new LevelChange(At(now), _level, Place.Core.Level));
                _level = Place.Core.Level;
            }

            foreach (var alert in cleared)
            {
                if (_alertIndex.Remove(alert.AlertId, out var index))
                {
                    Alerts[index] = Alerts[index] with { CauseClearedAt = At(now) };
                }

                Place.AlertResolved(alert.AlertId, now);
            }

            // Nothing of a replay is published or saved: the model must not wake for that.
            Place.Published(now);
            Place.Saved(long.MaxValue);
        }

        private static Place NewPlace(string placeId, PlaceRules rules, long fromMs)
        {
            var place = new Place(placeId, rules, PlaceMemory.Empty, fromMs);
            place.Saved(long.MaxValue);
            return place;
        }

        private static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
    }
}
