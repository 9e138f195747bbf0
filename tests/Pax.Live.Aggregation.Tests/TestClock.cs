using Pax.Live.Contracts;

namespace Pax.Live.Aggregation.Tests;

/// <summary>Explicit times for the core: no real clock, no sleeps.</summary>
internal static class TestClock
{
    /// <summary>A Unix time (2025-11-26) on a 5 s bucket boundary, far from 0, which the core reads as "never".</summary>
    public const long T0 = 1_764_161_000_000;

    /// <summary><see cref="T0"/> plus whole seconds.</summary>
    public static long At(int seconds) => T0 + (seconds * 1000L);

    /// <summary>A span in milliseconds, as the core measures it.</summary>
    public static long Ms(TimeSpan span) => (long)span.TotalMilliseconds;

    /// <summary>A reading that keeps the place heard from without touching causes, thresholds or tamper: motion 0.</summary>
    public static void Heartbeat(PlaceAggregator place, long nowMs) => place.Record(SignalKind.Motion, 0, nowMs, nowMs);

    /// <summary>Heartbeats every 10 s over (<paramref name="fromMs"/>, <paramref name="toMs"/>], the last one at <paramref name="toMs"/>.</summary>
    public static void Heartbeats(PlaceAggregator place, long fromMs, long toMs)
    {
        for (var t = fromMs + 10_000; t < toMs; t += 10_000)
        {
            Heartbeat(place, t);
        }

        Heartbeat(place, toMs);
    }

    /// <summary>A place whose first reading has made it calm at <paramref name="nowMs"/>.</summary>
    public static PlaceAggregator CalmPlace(PlaceRules rules, long nowMs)
    {
        var place = new PlaceAggregator(rules, nowMs);
        Heartbeat(place, nowMs);
        Assert.True(place.Evaluate(nowMs));
        Assert.Equal(Level.Calm, place.Level);
        return place;
    }

    /// <summary>Rules with a threshold for one periodic kind.</summary>
    public static PlaceRules WithThreshold(this PlaceRules rules, SignalKind kind, double threshold) => kind switch
    {
        SignalKind.Motion => rules with { MotionThreshold = threshold },
        SignalKind.People => rules with { PeopleThreshold = threshold },
        SignalKind.Loiter => rules with { LoiterThreshold = threshold },
        SignalKind.Sound => rules with { SoundThreshold = threshold },
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only periodic kinds have thresholds."),
    };
}
