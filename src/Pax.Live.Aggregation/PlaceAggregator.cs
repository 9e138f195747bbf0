using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// The live state of one place: the latest reading and a sliding window per kind, the alert causes, and the level
/// they add up to. The place's grain is its only writer, so there are no locks. All times are Unix milliseconds
/// passed in by the caller, which keeps the core deterministic under test and replay.
/// </summary>
public sealed class PlaceAggregator
{
    private static readonly TimeSpan DefaultBucketWidth = TimeSpan.FromSeconds(5);
    private const int DefaultBuckets = 60;

    private static readonly long DefaultBucketMs = (long)DefaultBucketWidth.TotalMilliseconds;

    // Everything a reading of one kind touches lives in one struct, and every window bucket of the place in one array:
    // a record reaches two or three cache lines of two objects instead of chasing window objects and parallel arrays.
    private readonly KindState[] _kinds = new KindState[SignalKinds.Count];
    private readonly WindowBucket[] _buckets = new WindowBucket[SignalKinds.Count * DefaultBuckets];
    private long _reportElevatedAt;
    private long _causeSequence;
    private PlaceRules _rules;

    /// <summary>Creates the state of a place that has heard nothing yet; its level is <see cref="Level.Unknown"/>.</summary>
    public PlaceAggregator(PlaceRules rules, long nowMs)
    {
        _rules = rules;
        LevelSince = nowMs;
        for (var i = 0; i < _kinds.Length; i++)
        {
            ref var state = ref _kinds[i];
            state.Window = WindowHead.Empty;
            state.Cause.Kind = (SignalKind)i;
        }

        CacheRules();
    }

    /// <summary>The current level.</summary>
    public Level Level { get; private set; } = Level.Unknown;

    /// <summary>When the level last changed, Unix ms.</summary>
    public long LevelSince { get; private set; }

    /// <summary>When the last reading arrived (server time), Unix ms; 0 if none has.</summary>
    public long LastHeardAt { get; private set; }

    /// <summary>The rules in force.</summary>
    public PlaceRules Rules => _rules;

    /// <summary>Replaces the rules; the level follows at the next <see cref="Evaluate"/>.</summary>
    public void UseRules(PlaceRules rules)
    {
        _rules = rules;
        CacheRules();

        // Thresholds are tracked as readings arrive; re-judge the latest reading of each kind against the new ones
        // so that a removed, raised or added threshold does not wait for the next reading.
        for (var k = (int)SignalKind.Motion; k <= (int)SignalKind.Sound; k++)
        {
            ref var state = ref _kinds[k];
            if (state.LatestAt != 0)
            {
                TrackThreshold(ref state, state.Latest, state.LatestAt);
            }
            else
            {
                state.OverSince = 0;
            }
        }
    }

    /// <summary>The latest value of a kind, and when it was measured; NaN and 0 if never.</summary>
    public (double Value, long At) Latest(SignalKind kind)
    {
        ref readonly var state = ref _kinds[(int)kind];
        return state.LatestAt == 0 ? (double.NaN, 0) : (state.Latest, state.LatestAt);
    }

    /// <summary>The window statistics of a kind ending at <paramref name="nowMs"/>.</summary>
    public WindowStats Window(SignalKind kind, long nowMs) =>
        WindowRing.Stats(_buckets.AsSpan((int)kind * DefaultBuckets, DefaultBuckets), DefaultBucketMs, nowMs);

    /// <summary>The alert cause of a kind (open or not).</summary>
    public ref readonly AlertCause Cause(SignalKind kind) => ref _kinds[(int)kind].Cause;

    /// <summary>
    /// Records one reading measured at <paramref name="timestampMs"/> (device time) and received at <paramref name="nowMs"/>.
    /// O(1), no allocation. Returns what it did to the kind's alert cause.
    /// </summary>
    public CauseOutcome Record(SignalKind kind, double value, long timestampMs, long nowMs)
    {
        var k = (int)kind;
        ref var state = ref _kinds[k];
        ref var cause = ref state.Cause;
        if (cause.IsOpen && !IsActive(in cause, nowMs))
        {
            // The hold ran out since the last Evaluate: this occurrence starts a new alert, it does not extend the old one.
            cause.IsOpen = false;
        }

        // A device clock ahead of ours (the contract allows 5 minutes) must not put readings in the future.
        var at = Math.Min(timestampMs, nowMs);
        LastHeardAt = nowMs;
        WindowRing.Add(ref state.Window, _buckets.AsSpan(k * DefaultBuckets, DefaultBuckets), DefaultBucketMs, value, at);
        if (at >= state.LatestAt)
        {
            // Store-and-forward delivers old readings late: they go into history, not into "now".
            state.Latest = value;
            state.LatestAt = at;
            TrackThreshold(ref state, value, nowMs);
        }

        var severity = AlertSeverity(kind, value);
        if (severity == 0)
        {
            if (kind == SignalKind.Report && value >= 2)
            {
                _reportElevatedAt = Math.Max(_reportElevatedAt, at);
            }

            return CauseOutcome.None;
        }

        if (cause.IsOpen)
        {
            cause.Count++;
            cause.LastSeen = Math.Max(cause.LastSeen, at);
            cause.Severity = Math.Max(cause.Severity, severity);
            return CauseOutcome.Repeated;
        }

        cause.IsOpen = true;
        cause.Count = 1;
        cause.Severity = severity;
        cause.OpenedAt = at;
        cause.LastSeen = at;
        cause.Value = value;
        cause.Sequence = ++_causeSequence;
        return CauseOutcome.Raised;
    }

    /// <summary>
    /// Brings the level and the causes up to <paramref name="nowMs"/>: closes causes that have been quiet for the hold time
    /// and moves the level, rising at once and stepping down only after <see cref="PlaceRules.MinLevelDuration"/>.
    /// Returns true when the level changed.
    /// </summary>
    public bool Evaluate(long nowMs)
    {
        var anyCause = false;
        for (var i = 0; i < _kinds.Length; i++)
        {
            ref var cause = ref _kinds[i].Cause;
            if (!cause.IsOpen)
            {
                continue;
            }

            if (IsActive(in cause, nowMs))
            {
                anyCause = true;
            }
            else
            {
                cause.IsOpen = false;
            }
        }

        var target = Target(nowMs, anyCause);
        var current = Level;
        if (target == current)
        {
            return false;
        }

        var rising = target == Level.Unknown || current == Level.Unknown || target > current;
        if (!rising && nowMs - LevelSince < (long)_rules.MinLevelDuration.TotalMilliseconds)
        {
            return false;
        }

        Level = target;
        LevelSince = nowMs;
        return true;
    }

    /// <summary>A fire cause stays open past its hold while fresh readings still show fire above the clear ratio.</summary>
    private bool FireStillBurning(SignalKind kind, long nowMs) =>
        kind == SignalKind.Fire
        && _kinds[(int)SignalKind.Fire].Latest >= _rules.FireAlertAt * _rules.ClearRatio
        && IsFresh(SignalKind.Fire, nowMs, (long)_rules.UnknownAfter.TotalMilliseconds);

    private bool IsActive(in AlertCause cause, long nowMs) =>
        nowMs - cause.LastSeen < (long)_rules.CauseHold.TotalMilliseconds || FireStillBurning(cause.Kind, nowMs);

    private Level Target(long nowMs, bool anyCause)
    {
        if (anyCause)
        {
            return Level.Alert;
        }

        var silentMs = (long)_rules.UnknownAfter.TotalMilliseconds;
        if (LastHeardAt == 0 || nowMs - LastHeardAt >= silentMs)
        {
            return Level.Unknown;
        }

        if (IsFresh(SignalKind.Tamper, nowMs, silentMs) && _kinds[(int)SignalKind.Tamper].Latest >= 1)
        {
            return Level.Elevated;
        }

        if (_reportElevatedAt != 0 && nowMs - _reportElevatedAt < (long)_rules.CauseHold.TotalMilliseconds)
        {
            return Level.Elevated;
        }

        var dwellMs = (long)_rules.Dwell.TotalMilliseconds;
        for (var k = (int)SignalKind.Motion; k <= (int)SignalKind.Sound; k++)
        {
            var overSince = _kinds[k].OverSince;
            if (overSince != 0 && nowMs - overSince >= dwellMs && IsFresh((SignalKind)k, nowMs, silentMs))
            {
                return Level.Elevated;
            }
        }

        return Level.Calm;
    }

    private bool IsFresh(SignalKind kind, long nowMs, long silentMs)
    {
        var latestAt = _kinds[(int)kind].LatestAt;
        return latestAt != 0 && nowMs - latestAt < silentMs;
    }

    private static void TrackThreshold(ref KindState state, double value, long nowMs)
    {
        var threshold = state.Threshold;
        if (double.IsNaN(threshold))
        {
            state.OverSince = 0;
        }
        else if (value > threshold)
        {
            if (state.OverSince == 0)
            {
                state.OverSince = nowMs;
            }
        }
        else if (value < state.ClearBelow)
        {
            state.OverSince = 0;
        }
    }

    /// <summary>Copies what a record reads from the rules into the kinds' own state, so a record never touches the rules.</summary>
    private void CacheRules()
    {
        for (var k = 0; k < _kinds.Length; k++)
        {
            ref var state = ref _kinds[k];
            state.Threshold = _rules.ThresholdOf((SignalKind)k);
            state.ClearBelow = state.Threshold * _rules.ClearRatio;
        }
    }

    /// <summary>The severity of an alert-grade reading (1..3), or 0 for a reading that is not alert-grade.</summary>
    private int AlertSeverity(SignalKind kind, double value) => kind switch
    {
        SignalKind.Impulse when value >= 1 => 3,
        SignalKind.Fire when value >= _rules.FireAlertAt => 3,
        SignalKind.Report when value >= 3 => 3,
        _ => 0,
    };

    /// <summary>The live state of one kind at the place.</summary>
    private struct KindState
    {
        public double Latest;
        public long LatestAt;
        public long OverSince;
        public double Threshold;
        public double ClearBelow;
        public WindowHead Window;
        public AlertCause Cause;
    }
}
