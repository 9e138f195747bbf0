using Pax.Live.Contracts;
using static Pax.Live.Aggregation.Tests.TestClock;

namespace Pax.Live.Aggregation.Tests;

/// <summary>
/// A place's grain evaluates when something is due, not every second: <see cref="PlaceAggregator.NextChangeAt"/> must
/// name every instant at which the level or a cause can change without a reading.
/// </summary>
public sealed class NextChangeTests
{
    // Every duration differs from the others, so that no rule's moment hides behind another's.
    private static readonly PlaceRules Rules = PlaceRules.Default with
    {
        PeopleThreshold = 40,
        Dwell = TimeSpan.FromSeconds(20),
        MinLevelDuration = TimeSpan.FromSeconds(25),
        CauseHold = TimeSpan.FromSeconds(90),
        UnknownAfter = TimeSpan.FromSeconds(150),
        MinBaselineSamples = 5,
    };

    /// <summary>
    /// Twenty minutes that take the place through every rule. Readings come every 7 s, 300 ms into a second, and are
    /// measured 200 ms before they arrive, so that no rule's moment (a whole number of seconds after a reading) falls on
    /// another reading, where the place is evaluated anyway.
    /// </summary>
    private static List<(long At, SignalKind Kind, double Value)> Scenario()
    {
        var readings = new List<(long, SignalKind, double)>();
        void Every(int fromS, int toS, SignalKind kind, double value)
        {
            for (var s = fromS; s < toS; s += 7)
            {
                readings.Add((At(s) + 300, kind, value));
            }
        }

        Every(0, 60, SignalKind.Motion, 0.2);     // calm; the motion baseline learns this hour
        Every(60, 85, SignalKind.People, 50);     // over the threshold for its dwell: elevated at 80.3 s
        Every(88, 200, SignalKind.People, 10);    // back below at 88.3 s: calm when elevated has lasted 25 s
        readings.Add((At(201) + 300, SignalKind.Impulse, 1)); // an alert, its cause held 90 s
        Every(210, 400, SignalKind.Motion, 0.1);
        readings.Add((At(250) + 700, SignalKind.Report, 2)); // keeps the place elevated for the hold after the alert
        Every(400, 470, SignalKind.Fire, 0.85);   // fire: an alert that lasts while its last reading is fresh
        readings.Add((At(620) + 500, SignalKind.Tamper, 1)); // a covered camera: elevated while fresh
        Every(630, 650, SignalKind.Motion, 0.1);  // heard until 644.3 s: unknown 150 s later
        Every(800, 845, SignalKind.Motion, 0.1);  // heard again: calm
        Every(847, 865, SignalKind.Motion, 0.9);  // far above this hour's baseline: elevated after the dwell
        Every(847, 1000, SignalKind.People, 10);
        return [.. readings.OrderBy(r => r.Item1)];
    }

    /// <summary>What a change looks like from outside: the level, since when, and which causes are open.</summary>
    private static (long, Level, long, int) Observe(PlaceAggregator place, long at)
    {
        var open = 0;
        foreach (var kind in SignalKinds.All)
        {
            open |= place.Cause(kind).IsOpen ? 1 << (int)kind : 0;
        }

        return (at, place.Level, place.LevelSince, open);
    }

    private static void Note(List<(long, Level, long, int)> trace, PlaceAggregator place, long at)
    {
        var seen = Observe(place, at);
        if (trace.Count == 0 || trace[^1].Item2 != seen.Item2 || trace[^1].Item3 != seen.Item3 || trace[^1].Item4 != seen.Item4)
        {
            trace.Add(seen);
        }
    }

    [Fact]
    public void EvaluatingOnlyWhenSomethingIsDueSeesEveryChangeAtTheSameMoment()
    {
        var readings = Scenario();
        var end = At(1200);

        // The reference evaluates every 100 ms; every reading and every rule's duration falls on that grid.
        var everyTick = new PlaceAggregator(Rules, T0);
        var ticked = new List<(long, Level, long, int)>();
        var next = 0;
        for (var t = T0; t <= end; t += 100)
        {
            for (; next < readings.Count && readings[next].At == t; next++)
            {
                everyTick.Record(readings[next].Kind, readings[next].Value, t - 200, t);
            }

            everyTick.Evaluate(t);
            Note(ticked, everyTick, t);
        }

        // The place under test evaluates after each reading, as the grain does, and else only when it says it is due.
        var whenDue = new PlaceAggregator(Rules, T0);
        var due = new List<(long, Level, long, int)>();
        var evaluations = 0;
        var now = T0;
        next = 0;
        Note(due, whenDue, now);
        while (now <= end)
        {
            var dueAt = whenDue.NextChangeAt(now);
            var readingAt = next < readings.Count ? readings[next].At : long.MaxValue;
            now = Math.Min(dueAt, readingAt);
            if (now > end)
            {
                break;
            }

            for (; next < readings.Count && readings[next].At == now; next++)
            {
                whenDue.Record(readings[next].Kind, readings[next].Value, now - 200, now);
            }

            whenDue.Evaluate(now);
            evaluations++;
            Note(due, whenDue, now);
        }

        Assert.Equal(ticked, due);
        Assert.True(ticked.Count >= 10, $"the scenario should take the place through its rules; it changed {ticked.Count} times");
        Assert.Contains(ticked, c => c.Item2 == Level.Elevated);
        Assert.Contains(ticked, c => c.Item2 == Level.Alert);
        Assert.Contains(ticked, c => c.Item2 == Level.Unknown && c.Item1 > At(600));
        Assert.Contains(ticked, c => c.Item2 == Level.Elevated && c.Item1 > At(850));

        // Readings aside, a handful of evaluations instead of one per second.
        Assert.InRange(evaluations - readings.Count, 1, 40);
    }

    [Fact]
    public void APlaceThatHasHeardNothingHasNothingDue()
    {
        var place = new PlaceAggregator(Rules, T0);

        Assert.Equal(long.MaxValue, place.NextChangeAt(At(1000)));
    }

    [Fact]
    public void SilenceIsDueWhenTheLastReadingGrowsStale()
    {
        var place = new PlaceAggregator(Rules, T0);
        place.Record(SignalKind.Motion, 0.1, At(10), At(10));
        place.Evaluate(At(10));

        // Calm since 10 s: the next thing that can happen is the silence two minutes after the reading.
        Assert.Equal(At(10) + Ms(Rules.UnknownAfter), place.NextChangeAt(At(100)));
    }
}
