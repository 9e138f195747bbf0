namespace Pax.Live.Grains;

/// <summary>
/// What the hot path costs where a load run cannot see it from outside: live place activations, and for every batch
/// that raised an alert, how long its stages took. Process-wide and cheap (one interlocked add per activation, a short
/// lock per alert, nothing per signal); read at <c>GET /api/debug/runtime</c>.
/// </summary>
public static class HotPathMetrics
{
    private const int Keep = 4096;

    private static readonly object Gate = new();
    private static readonly AlertStages[] Recent = new AlertStages[Keep];
    private static readonly long[] Transitions = new long[AlertTransitions.Names.Length];
    private static long _places;
    private static long _alerts;

    /// <summary>Place grains active in this process.</summary>
    public static long ActivePlaces => Interlocked.Read(ref _places);

    /// <summary>Batches that raised an alert, all told.</summary>
    public static long AlertBatches => Interlocked.Read(ref _alerts);

    /// <summary>Alerts that entered <paramref name="transition"/> in this process, all told.</summary>
    public static long AlertsEntered(AlertTransition transition) => Interlocked.Read(ref Transitions[(int)transition]);

    internal static void AlertEntered(AlertTransition transition) => Interlocked.Increment(ref Transitions[(int)transition]);

    internal static void PlaceActivated() => Interlocked.Increment(ref _places);

    internal static void PlaceDeactivated() => Interlocked.Decrement(ref _places);

    internal static void Alert(in AlertStages stages)
    {
        lock (Gate)
        {
            Recent[_alerts % Keep] = stages;
            _alerts++;
        }
    }

    /// <summary>The stages of the alerts raised after the <paramref name="after"/>-th (at most the last 4,096).</summary>
    public static AlertStages[] AlertsSince(long after)
    {
        lock (Gate)
        {
            var from = Math.Max(after, _alerts - Keep);
            var result = new AlertStages[Math.Max(0, _alerts - from)];
            for (var i = 0; i < result.Length; i++)
            {
                result[i] = Recent[(from + i) % Keep];
            }

            return result;
        }
    }
}

/// <summary>What an alert's grain stored for it: a state entered, or a step inside one (the guard's phone got it, the guard took it).</summary>
public enum AlertTransition
{
    /// <summary>Raised by its place.</summary>
    Raised,
    /// <summary>Acknowledged by an operator.</summary>
    Acknowledged,
    /// <summary>A guard was sent.</summary>
    Dispatched,
    /// <summary>The guard's phone confirmed it has the dispatch.</summary>
    Received,
    /// <summary>The guard took it.</summary>
    Accepted,
    /// <summary>The guard is at the place.</summary>
    OnSite,
    /// <summary>Closed with an outcome.</summary>
    Resolved,
}

/// <summary>The names metrics give <see cref="AlertTransition"/>s.</summary>
public static class AlertTransitions
{
    /// <summary>Indexed by <see cref="AlertTransition"/>.</summary>
    public static readonly string[] Names = ["raised", "acknowledged", "dispatched", "received", "accepted", "on_site", "resolved"];
}

/// <summary>
/// The stages of one batch that raised an alert, in milliseconds: from the reading's own timestamp (the device's, which
/// the load tool stamps with its send time) to the grain's turn, the place's snapshot once the alert is out, and
/// handing the alert to its alert grain (which stores it before announcing it) and on to the feeds; of that last
/// stage, the alert grain's part (the store).
/// </summary>
public readonly record struct AlertStages(double ToGrainMs, double SaveMs, double DeliverMs, double StoreMs);
