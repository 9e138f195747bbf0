using Pax.Live.Aggregation.Replay;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Tests;

/// <summary>
/// A replay runs the live model over what the place's history kept of its readings. The "live" run here hosts the
/// model as the place's grain does (a batch per reading, a tick whenever the model says something is due, statuses
/// published and snapshots taken when due, an alert resolved once its cause clears) and keeps its slots as the grain
/// does; the replay reads only those slots.
/// </summary>
public sealed class ReplayTests
{
    private static readonly long T0 = new DateTimeOffset(2026, 11, 28, 21, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
    private static readonly PlaceRules Rules = PlaceRules.Default with { PeopleThreshold = 40, SoundThreshold = 75 };

    [Fact]
    public void WithTheLiveRulesAndOneReadingPerKindPerSlotTheReplayGivesTheLiveLevelsAndAlerts()
    {
        var readings = Sparse(new Random(7), hours: 3);
        var live = Live(readings, Rules);

        var replay = PlaceReplay.Run("torget", Rules, live.Slots, T0, live.End);

        Assert.True(live.Levels.Count > 8, $"the scenario changes level often ({live.Levels.Count})");
        Assert.Contains(live.Levels, l => l.To == Level.Elevated);
        Assert.Contains(live.Levels, l => l.To == Level.Unknown && l.From != Level.Unknown);
        Assert.Equal(live.Levels, replay.Levels);
        Assert.Equal(3, live.Alerts.Count);
        Assert.Equal(live.Alerts, replay.Alerts);
    }

    [Fact]
    public void WithAReadingEverySecondTheReplayKeepsTheAlertsAndTheHoursAtEachLevelWithinASlot()
    {
        var readings = Dense(new Random(11), hours: 2);
        var live = Live(readings, Rules);

        var replay = PlaceReplay.Run("torget", Rules, live.Slots, T0, live.End);

        Assert.Equal(live.Alerts.Select(a => (a.Kind, a.RaisedAt)), replay.Alerts.Select(a => (a.Kind, a.RaisedAt)));
        var from = DateTimeOffset.FromUnixTimeMilliseconds(T0);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(live.End);
        var liveHours = LagesbildMath.Integrate(live.Levels, from, to);
        var replayHours = replay.Hours(from, to);
        Assert.True(liveHours.Elevated > 0.1, $"the scenario is elevated a while ({liveHours.Elevated:0.00} h)");
        var slotHours = (double)SignalSlot.WidthMs / 3_600_000;
        var changes = live.Levels.Count(l => l.To == Level.Elevated || l.From == Level.Elevated);
        Assert.InRange(replayHours.Elevated, liveHours.Elevated - (changes * slotHours), liveHours.Elevated + (changes * slotHours));
    }

    [Fact]
    public void AHigherThresholdIsElevatedLessAndALowerOneMoreWhileTheAlertsStay()
    {
        var live = Live(Sparse(new Random(3), hours: 3), Rules);
        var from = DateTimeOffset.FromUnixTimeMilliseconds(T0);
        var to = DateTimeOffset.FromUnixTimeMilliseconds(live.End);

        double Elevated(double people) =>
            PlaceReplay.Run("torget", Rules with { PeopleThreshold = people }, live.Slots, T0, live.End).Hours(from, to).Elevated;

        Assert.True(Elevated(60) < Elevated(40), "a higher threshold is elevated less");
        Assert.True(Elevated(20) > Elevated(40), "a lower threshold is elevated more");
        Assert.Equal(0, PlaceReplay.Run("torget", Rules with { PeopleThreshold = 1000, SoundThreshold = null }, live.Slots, T0, live.End).Hours(from, to).Elevated);
        Assert.Equal(3, PlaceReplay.Run("torget", Rules with { PeopleThreshold = 1000 }, live.Slots, T0, live.End).Alerts.Count);
    }

    [Fact]
    public void SlotsSurviveTheirEncodingAndAReadingTooOldIsLeftOut()
    {
        var recorder = new SignalSlotRecorder();
        recorder.Record(SignalKind.People, 12, T0 + 1_000);
        recorder.Record(SignalKind.People, 30, T0 + 4_000);
        recorder.Record(SignalKind.People, 18, T0 + 9_999);
        recorder.Record(SignalKind.People, 5, T0 + 55_000);
        recorder.Record(SignalKind.People, 7, T0 + 125_000);
        recorder.Record(SignalKind.People, 99, T0 + 2_000);

        var slots = new List<SignalSlot>();
        Assert.Null(recorder.Take(SignalKind.People, T0));
        SignalSlotCodec.Read(SignalKind.People, T0 + 120_000, recorder.Take(SignalKind.People, T0 + 120_000), slots);
        Assert.Equal([new SignalSlot(SignalKind.People, T0 + 125_000, 1, 7, 7, 7)], slots);

        var fresh = new SignalSlotRecorder();
        fresh.Record(SignalKind.People, 12, T0 + 1_000);
        fresh.Record(SignalKind.People, 30, T0 + 4_000);
        fresh.Record(SignalKind.People, 18, T0 + 9_999);
        fresh.Record(SignalKind.People, 5, T0 + 55_000);
        slots.Clear();
        var bytes = fresh.Take(SignalKind.People, T0)!;
        Assert.Equal(2 * SignalSlotCodec.BytesPerSlot, bytes.Length);
        SignalSlotCodec.Read(SignalKind.People, T0, bytes, slots);
        Assert.Equal([new SignalSlot(SignalKind.People, T0 + 9_999, 3, 20, 30, 18), new SignalSlot(SignalKind.People, T0 + 55_000, 1, 5, 5, 5)], slots);
    }

    [Fact]
    public void TheSweepSuggestsTheFireThresholdThatKeepsTheConfirmedFireAndDropsTheFalseOnes()
    {
        // People all along; fire seen three times: 0.82 (a barbecue), 0.95 rising from 0.84 (a real fire), 0.85 (sun glare).
        var readings = Sparse(new Random(5), hours: 2).Where(r => r.Kind != SignalKind.Impulse && r.Kind != SignalKind.Fire).ToList();
        readings.Add(new Reading(SignalKind.Fire, 0.82, T0 + 600_000));
        readings.Add(new Reading(SignalKind.Fire, 0.84, T0 + 2_400_000));
        readings.Add(new Reading(SignalKind.Fire, 0.95, T0 + 2_420_000));
        readings.Add(new Reading(SignalKind.Fire, 0.85, T0 + 4_800_000));
        readings.Sort((a, b) => a.At.CompareTo(b.At));
        var live = Live(readings, Rules);
        Assert.Equal(3, live.Alerts.Count);
        JudgedAlert[] judged = [new(live.Alerts[0].RaisedAt, false), new(live.Alerts[1].RaisedAt, true), new(live.Alerts[2].RaisedAt, false)];

        var sweep = ThresholdSweep.Fire("torget", Rules, live.Slots, judged, T0, live.End);

        Assert.Equal(new SweepCandidate(0.8, 3, 1, 2), sweep.Current);
        Assert.Equal(new SweepCandidate(0.86, 1, 1, 0), sweep.Suggested);
        Assert.Equal(new SweepCandidate(0.96, 0, 0, 0), sweep.Candidates.Single(c => c.Threshold == 0.96));
        Assert.Equal((1, 2), (sweep.Confirmed, sweep.FalseAlarms));
        Assert.Null(ThresholdSweep.Fire("torget", Rules, live.Slots, [], T0, live.End).Suggested);
    }

    private readonly record struct Reading(SignalKind Kind, double Value, long At);

    private sealed record LiveRun(List<LevelChange> Levels, List<ReplayedAlert> Alerts, List<SignalSlot> Slots, long End);

    /// <summary>The place hosted as its grain hosts it, its slots kept as its history keeps them.</summary>
    private static LiveRun Live(IReadOnlyList<Reading> readings, PlaceRules rules)
    {
        var place = new Place("torget", rules, PlaceMemory.Empty, T0);
        var recorder = new SignalSlotRecorder();
        var slots = new List<SignalSlot>();
        var levels = new List<LevelChange>();
        var alerts = new List<ReplayedAlert>();
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        var level = Level.Unknown;
        var rolledUpTo = T0;
        var now = T0;
        var end = readings[^1].At + 600_000;

        void Carry(PlaceEffects effects, long at)
        {
            foreach (var opened in effects.Opened)
            {
                open[opened.AlertId] = alerts.Count;
                alerts.Add(new ReplayedAlert(opened.Kind, opened.Severity, DateTimeOffset.FromUnixTimeMilliseconds(opened.RaisedAt), null));
            }

            if (place.Core.Level != level)
            {
                levels.Add(new LevelChange(DateTimeOffset.FromUnixTimeMilliseconds(at), level, place.Core.Level));
                level = place.Core.Level;
            }

            foreach (var cleared in effects.CausesCleared.ToArray())
            {
                alerts[open[cleared.AlertId]] = alerts[open[cleared.AlertId]] with { CauseClearedAt = DateTimeOffset.FromUnixTimeMilliseconds(at) };
                place.AlertResolved(cleared.AlertId, at);
            }

            if (effects.StatusDue || place.HasUnpublishedChanges)
            {
                place.Published(at);
            }

            if (place.IsSnapshotDue(at))
            {
                place.Saved(at + 60_000);
            }

            // The minutes that completed go out as rollups, each kind's slots with them.
            for (; rolledUpTo + 60_000 <= at; rolledUpTo += 60_000)
            {
                foreach (var kind in SignalKinds.All)
                {
                    if (recorder.Take(kind, rolledUpTo) is { } bytes)
                    {
                        SignalSlotCodec.Read(kind, rolledUpTo, bytes, slots);
                    }
                }
            }
        }

        void TickUntil(long until)
        {
            while (Math.Max(place.NextWakeAt(now), now + 1) is var due && due <= until)
            {
                now = due;
                Carry(place.Tick(due), due);
            }

            now = Math.Max(now, until);
        }

        foreach (var reading in readings)
        {
            TickUntil(reading.At);
            place.Read("cam-1", reading.Kind, reading.Value, reading.At, reading.At);
            recorder.Record(reading.Kind, reading.Value, reading.At);
            Carry(place.Settle(reading.At), reading.At);
        }

        TickUntil(end + 60_000);
        slots.Sort((a, b) => a.LastAt.CompareTo(b.LastAt));
        return new LiveRun(levels, alerts, slots, end);
    }

    /// <summary>People every 10 s wandering across 40, sound now and then, a three-minute silence, and three alerts.</summary>
    private static List<Reading> Sparse(Random random, int hours)
    {
        var readings = new List<Reading>();
        var people = 30.0;
        for (long t = 0; t < hours * 3_600_000L; t += 10_000)
        {
            if (t is > 3_600_000 and < 3_780_000)
            {
                continue;
            }

            people = Math.Clamp(people + random.Next(-6, 7), 0, 80);
            readings.Add(new Reading(SignalKind.People, people, T0 + t + random.Next(0, 9_000)));
            if (t % 30_000 == 0)
            {
                readings.Add(new Reading(SignalKind.Sound, 55 + random.Next(0, 20), T0 + t + 9_500));
            }
        }

        readings.Add(new Reading(SignalKind.Impulse, 1, T0 + 1_200_321));
        readings.Add(new Reading(SignalKind.Impulse, 1, T0 + 5_400_777));
        readings.Add(new Reading(SignalKind.Fire, 0.85, T0 + 7_000_123));
        readings.Sort((a, b) => a.At.CompareTo(b.At));
        return readings;
    }

    /// <summary>People every second, crowding twice; two bangs.</summary>
    private static List<Reading> Dense(Random random, int hours)
    {
        var readings = new List<Reading>();
        for (long t = 0; t < hours * 3_600_000L; t += 1_000)
        {
            var crowd = t % 1_800_000 is > 600_000 and < 1_000_000 ? 30 : 0;
            readings.Add(new Reading(SignalKind.People, 20 + crowd + random.Next(-5, 6), T0 + t + random.Next(0, 900)));
        }

        readings.Add(new Reading(SignalKind.Impulse, 1, T0 + 1_500_500));
        readings.Add(new Reading(SignalKind.Impulse, 1, T0 + 4_000_250));
        readings.Sort((a, b) => a.At.CompareTo(b.At));
        return readings;
    }
}
