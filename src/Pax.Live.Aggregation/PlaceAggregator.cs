using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// The live state of one place: per kind the latest reading, a sliding window, a moving average and a baseline per
/// hour of the week; the alert causes; and the level they add up to. The place's grain is its only writer, so there are no locks. All times are Unix milliseconds
/// passed in by the caller, which keeps the core deterministic under test and replay.
/// </summary>
public sealed partial class PlaceAggregator
{
    private static readonly TimeSpan DefaultBucketWidth = TimeSpan.FromSeconds(5);
    private const int DefaultBuckets = 60;

    private static readonly long DefaultBucketMs = (long)DefaultBucketWidth.TotalMilliseconds;

    private const int PeriodicKinds = (int)SignalKind.Sound + 1;

    // Below these spreads a kind's baseline is treated as this wide: a place that always shows 0 people must not call
    // 1 person a thousand-sigma event. In each kind's unit: motion share, people, loiter seconds, dBA.
    private static readonly double[] AnomalyFloors = [0.05, 2, 10, 3];

    // Everything a reading of one kind touches lives in one struct: a record reaches the struct and the kind's ring,
    // not window objects and parallel arrays. Rings and baselines are allocated at a kind's first reading, so a place
    // pays memory only for the kinds its devices send (most never send fire or tamper).
    private readonly KindState[] _kinds = new KindState[SignalKinds.Count];
    private long _hourStart = long.MaxValue;
    private int _hourOfWeek;
    private long _unknownAfterMs;
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
            state.JudgedHour = -1;
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
        var zoneChanged = !ReferenceEquals(rules.TimeZone, _rules.TimeZone);
        _rules = rules;
        CacheRules();
        if (zoneChanged)
        {
            _hourStart = long.MaxValue;
        }

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
        _kinds[(int)kind].Ring is { } ring ? WindowRing.Stats(ring, in _kinds[(int)kind].Window, DefaultBucketMs, nowMs) : default;

    /// <summary>The exponentially weighted moving average of a kind's readings (in time order), or NaN if none.</summary>
    public double Ewma(SignalKind kind)
    {
        ref readonly var state = ref _kinds[(int)kind];
        return state.HasEwma ? state.Ewma : double.NaN;
    }

    /// <summary>What the place has learned of a periodic kind in the hour of the week of <paramref name="atMs"/>.</summary>
    public BaselineStats Baseline(SignalKind kind, long atMs) =>
        (int)kind < PeriodicKinds && _kinds[(int)kind].Baseline is { } cells
            ? cells[HourOfWeek.Of(atMs, _rules.TimeZone)].Stats
            : new BaselineStats(0, double.NaN, double.NaN);

    /// <summary>
    /// How unusual a periodic kind is now: standard deviations of its moving average above the baseline of this hour
    /// of the week (below it counts as 0). NaN while that hour has learned fewer than <see cref="PlaceRules.MinBaselineSamples"/>.
    /// </summary>
    public double AnomalyScore(SignalKind kind, long nowMs)
    {
        var k = (int)kind;
        ref readonly var state = ref _kinds[k];
        if (k >= PeriodicKinds || !state.HasEwma || state.Baseline is not { } cells)
        {
            return double.NaN;
        }

        ref readonly var cell = ref cells[HourOfWeek.Of(nowMs, _rules.TimeZone)];
        if (cell.Count < _rules.MinBaselineSamples)
        {
            return double.NaN;
        }

        var floor = AnomalyFloors[k];
        return Math.Max(0, state.Ewma - cell.Mean) / Math.Sqrt(Math.Max(cell.Variance, floor * floor));
    }

    /// <summary>Whether a periodic kind currently counts as unusual for this hour of the week (before the dwell time).</summary>
    public bool IsAnomalous(SignalKind kind) => _kinds[(int)kind].AnomalySince != 0;

    /// <summary>The statistics of a kind over [<paramref name="fromMs"/>, <paramref name="toMs"/>), while it is still in the window.</summary>
    public WindowStats Window(SignalKind kind, long fromMs, long toMs) =>
        _kinds[(int)kind].Ring is { } ring ? WindowRing.Stats(ring, in _kinds[(int)kind].Window, DefaultBucketMs, fromMs, toMs) : default;

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
        WindowRing.Add(ref state.Window, state.Ring ??= new WindowBucket[DefaultBuckets], DefaultBucketMs, value, at);
        if (at >= state.LatestAt)
        {
            // Store-and-forward delivers old readings late: they go into history, not into "now".
            // After a silence the average starts over: yesterday's crowd says nothing about now.
            state.Ewma = state.HasEwma && at - state.LatestAt < _unknownAfterMs
                ? state.Ewma + (_rules.EwmaAlpha * (value - state.Ewma))
                : value;
            state.HasEwma = true;
            state.Latest = value;
            state.LatestAt = at;
            TrackThreshold(ref state, value, nowMs);
            if (k < PeriodicKinds)
            {
                Learn(ref state, k, value, at, nowMs);
            }
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

    /// <summary>
    /// The first moment after <paramref name="nowMs"/> at which <see cref="Evaluate"/> can give another answer without a
    /// new reading: a cause's hold running out, a kind or the whole place falling silent, a threshold or an anomaly
    /// lasting its dwell time, or the level's minimum duration ending. <see cref="long.MaxValue"/> if none. Every rule
    /// the level follows compares the time since one of these instants with one of the rules' durations, so the level
    /// can only change where such a sum lies; an instant that changes nothing only costs one early evaluation.
    /// </summary>
    public long NextChangeAt(long nowMs)
    {
        var holdMs = (long)_rules.CauseHold.TotalMilliseconds;
        var silentMs = _unknownAfterMs;
        var dwellMs = (long)_rules.Dwell.TotalMilliseconds;
        var next = long.MaxValue;
        Consider(ref next, nowMs, LastHeardAt, silentMs);
        Consider(ref next, nowMs, _reportElevatedAt, holdMs);
        Consider(ref next, nowMs, LevelSince, (long)_rules.MinLevelDuration.TotalMilliseconds);
        for (var i = 0; i < _kinds.Length; i++)
        {
            ref readonly var state = ref _kinds[i];
            Consider(ref next, nowMs, state.LatestAt, silentMs);
            Consider(ref next, nowMs, state.OverSince, dwellMs);
            Consider(ref next, nowMs, state.AnomalySince, dwellMs);
            if (state.Cause.IsOpen)
            {
                Consider(ref next, nowMs, state.Cause.LastSeen, holdMs);
            }
        }

        return next;
    }

    private static void Consider(ref long next, long nowMs, long since, long durationMs)
    {
        if (since == 0)
        {
            return;
        }

        var at = since + durationMs;
        if (at > nowMs && at < next)
        {
            next = at;
        }
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
            ref readonly var state = ref _kinds[k];
            if (((state.OverSince != 0 && nowMs - state.OverSince >= dwellMs)
                    || (state.AnomalySince != 0 && nowMs - state.AnomalySince >= dwellMs))
                && IsFresh((SignalKind)k, nowMs, silentMs))
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

    /// <summary>
    /// Feeds the baseline and judges the moving average against it. The baseline learns one sample per bucket (the mean
    /// of the readings in it), so a place with five cameras learns the same as a place with one. O(1): a bucket closes
    /// at most once per 5 s of readings, and the hour of the week is cached for the hour.
    /// </summary>
    private void Learn(ref KindState state, int k, double value, long at, long nowMs)
    {
        if (at >= state.LearnEnd)
        {
            if (state.LearnCount > 0)
            {
                var cells = state.Baseline ??= new BaselineCell[HourOfWeek.Count];
                ref var closed = ref cells[HourOf(state.LearnEnd - 1)];
                closed.Add(Winsorized(in closed, k, state.LearnSum / state.LearnCount));
                state.JudgedHour = -1;
            }

            state.LearnEnd = (at - (at % DefaultBucketMs)) + DefaultBucketMs;
            state.LearnSum = 0;
            state.LearnCount = 0;
        }

        state.LearnSum += value;
        state.LearnCount++;

        if (state.Baseline is null)
        {
            return;
        }

        var hour = HourOf(at);
        if (hour != state.JudgedHour)
        {
            Judge(ref state, k, hour);
        }

        // Two compares per reading: the lines were drawn when the hour or its baseline last changed.
        if (state.Ewma >= state.AnomalyFrom)
        {
            if (state.AnomalySince == 0)
            {
                state.AnomalySince = nowMs;
            }
        }
        else if (state.Ewma < state.AnomalyClearBelow)
        {
            state.AnomalySince = 0;
        }
    }

    /// <summary>
    /// Draws the lines a kind's moving average is judged by in <paramref name="hour"/>: unusual from mean + score·σ,
    /// usual again below mean + score·clear ratio·σ, where σ is at least the kind's floor. Only a rise above the
    /// usual counts: an empty square at noon is no alarm. No lines (never unusual) until the hour has learned enough.
    /// </summary>
    private void Judge(ref KindState state, int k, int hour)
    {
        state.JudgedHour = hour;
        ref readonly var cell = ref state.Baseline![hour];
        var z = _rules.AnomalyScore;
        if (cell.Count < _rules.MinBaselineSamples || !double.IsFinite(z))
        {
            state.AnomalyFrom = double.PositiveInfinity;
            state.AnomalyClearBelow = double.PositiveInfinity;
            return;
        }

        var floor = AnomalyFloors[k];
        var sigma = Math.Sqrt(Math.Max(cell.Variance, floor * floor));
        state.AnomalyFrom = cell.Mean + (z * sigma);
        state.AnomalyClearBelow = cell.Mean + (z * _rules.ClearRatio * sigma);
    }

    /// <summary>
    /// A learned hour takes an unusual sample only as far as the anomaly score: a crowd at 03:00 must not teach the
    /// baseline within minutes that 03:00 is crowded, while a lasting change still moves it, one clipped sample at a time.
    /// </summary>
    private double Winsorized(in BaselineCell cell, int k, double sample)
    {
        var z = _rules.AnomalyScore;
        if (cell.Count < _rules.MinBaselineSamples || !double.IsFinite(z))
        {
            return sample;
        }

        var floor = AnomalyFloors[k];
        var reach = z * Math.Sqrt(Math.Max(cell.Variance, floor * floor));
        return Math.Clamp(sample, cell.Mean - reach, cell.Mean + reach);
    }

    /// <summary>The hour of the week of <paramref name="utcMs"/>, looked up in the time zone once per hour.</summary>
    private int HourOf(long utcMs)
    {
        if ((ulong)(utcMs - _hourStart) < (ulong)HourOfWeek.HourMs)
        {
            return _hourOfWeek;
        }

        var hour = HourOfWeek.Of(utcMs, _rules.TimeZone, out var start);
        _hourStart = start;
        _hourOfWeek = hour;
        return hour;
    }

    /// <summary>Copies what a record reads from the rules into the kinds' own state, so a record never touches the rules.</summary>
    private void CacheRules()
    {
        for (var k = 0; k < _kinds.Length; k++)
        {
            ref var state = ref _kinds[k];
            state.Threshold = _rules.ThresholdOf((SignalKind)k);
            state.ClearBelow = state.Threshold * _rules.ClearRatio;
            state.JudgedHour = -1;
        }

        _unknownAfterMs = (long)_rules.UnknownAfter.TotalMilliseconds;
    }

    /// <summary>The severity of an alert-grade reading (1..3), or 0 for a reading that is not alert-grade.</summary>
    private int AlertSeverity(SignalKind kind, double value) => kind switch
    {
        SignalKind.Impulse when value >= 1 => 3,
        SignalKind.Fire when value >= _rules.FireCertainAt => 3,
        SignalKind.Fire when value >= _rules.FireAlertAt => 2,
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
        public WindowBucket[]? Ring;
        public double Ewma;
        public bool HasEwma;
        public long LearnEnd;
        public double LearnSum;
        public int LearnCount;
        public BaselineCell[]? Baseline;
        public long AnomalySince;
        public int JudgedHour;
        public double AnomalyFrom;
        public double AnomalyClearBelow;
        public AlertCause Cause;
    }
}
