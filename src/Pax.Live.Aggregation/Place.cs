using System.Runtime.InteropServices;
using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>
/// One place, as plain state: readings or a tick go in with the time, effects come out. It owns the level (through
/// its <see cref="PlaceAggregator"/>), the alerts it has open and their bookkeeping (a cause raising, repeating and
/// clearing), snoozes and focus, the devices it heard, and what is due next (a status to publish, a snapshot to take,
/// the moment to wake). It never waits, stores or sends anything: the grain that hosts it does, and a replay runs the
/// same code over stored history.
/// </summary>
public sealed class Place
{
    /// <summary>Thresholds of a place in focus are this share of their usual value, and its dwell half.</summary>
    public const double FocusFactor = 0.7;

    /// <summary>How many closed alerts a place keeps as its recent history.</summary>
    public const int RecentAlertCount = 20;

    // Values alone are published at most this often; a new level or alert at once.
    private const long ValuesEveryMs = 250;

    // Values a batch left unpublished go out within a second. Sooner would make a busy place's tick race its own
    // batches: at 250 ms the tick published, the next batch found it just done and left its values for the tick again.
    private const long LeftoverValuesWithinMs = 1000;

    // A device's last word, updated in place for every reading: a struct in a long-lived dictionary costs the
    // collector nothing.
    private readonly Dictionary<string, DeviceSeen> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<SignalKind, PlaceAlert> _open = [];
    private readonly HashSet<SignalKind> _causeCleared = [];
    private readonly List<ClosedPlaceAlert> _recent = [];
    private readonly List<PlaceSnooze> _snoozes = [];
    private readonly PlaceEffects _effects = new();
    private PlaceRules _rules;
    private bool _dirty;
    private bool _unsaved;
    private bool _settled = true;
    private long _publishedAt;
    private long _nextSaveAt;

    /// <summary>A place from what was saved of it (<see cref="PlaceMemory.Empty"/> for a new one), with its own rules.</summary>
    public Place(string id, PlaceRules rules, PlaceMemory memory, long now)
    {
        Id = id;
        _rules = rules;
        Focus = memory.Focus;
        Core = memory.Core is { } snapshot
            ? PlaceAggregator.FromSnapshot(snapshot, EffectiveRules(now), now)
            : new PlaceAggregator(EffectiveRules(now), now);
        foreach (var alert in memory.Open)
        {
            _open[alert.Kind] = alert;
        }

        _recent.AddRange(memory.Recent);
        _snoozes.AddRange(memory.Snoozes);
        foreach (var device in memory.Devices)
        {
            _devices[device.DeviceId] = new DeviceSeen(device.Online, device.LastSeen);
        }
    }

    /// <summary>The place's id (alert ids are made from it).</summary>
    public string Id { get; }

    /// <summary>Windows, baselines, causes and the level.</summary>
    public PlaceAggregator Core { get; }

    /// <summary>The alerts open now, one per kind at most.</summary>
    public IReadOnlyCollection<PlaceAlert> OpenAlerts => _open.Values;

    /// <summary>The last closed alerts, newest first.</summary>
    public IReadOnlyList<ClosedPlaceAlert> RecentAlerts => _recent;

    /// <summary>Kinds whose new alerts are held back.</summary>
    public IReadOnlyList<PlaceSnooze> Snoozes => _snoozes;

    /// <summary>Whether the place is watched more closely, until when, by whose word.</summary>
    public PlaceFocus? Focus { get; private set; }

    /// <summary>Whether something changed since the last snapshot.</summary>
    public bool HasUnsavedChanges => _unsaved;

    /// <summary>Whether a status should be published (something changed since the last one).</summary>
    public bool HasUnpublishedChanges => _dirty;

    /// <summary>The devices heard at this place.</summary>
    public PlaceDevice[] Devices()
    {
        var devices = new PlaceDevice[_devices.Count];
        var i = 0;
        foreach (var (id, seen) in _devices)
        {
            devices[i++] = new PlaceDevice(id, seen.Online, seen.LastSeen);
        }

        return devices;
    }

    /// <summary>What to save: the core's snapshot and every list the place keeps.</summary>
    public PlaceMemory Remember() =>
        new(Core.ToSnapshot(), [.. _open.Values], [.. _recent], [.. _snoozes], Focus, Devices());

    /// <summary>
    /// One reading of a batch. A reading that opens or repeats a cause opens or updates the kind's alert; the effects
    /// come out of <see cref="Settle"/> at the end of the batch.
    /// </summary>
    public void Read(string deviceId, SignalKind kind, double value, long timestamp, long now)
    {
        Begin();
        if (Core.Record(kind, value, timestamp, now) != CauseOutcome.None)
        {
            OnCause(deviceId, kind, timestamp, now);
        }

        if (Seen(deviceId, online: true, now))
        {
            _effects.DeviceChangesList.Add(new PlaceDevice(deviceId, true, now));
        }
    }

    /// <summary>Ends a batch: the level brought up to now, and what the batch's readings opened, repeated and changed.</summary>
    public PlaceEffects Settle(long now)
    {
        Begin();
        _effects.LevelChanged = Evaluate(now);
        _dirty = true;
        _unsaved = true;
        _effects.StatusDue = _effects.LevelChanged || _effects.OpenedList.Count > 0 || now - _publishedAt >= ValuesEveryMs;
        return Done(now);
    }

    /// <summary>
    /// Time passing alone: snoozes and focus end, the level falls to unknown when the place goes silent, causes clear
    /// when their hold runs out (each open alert whose cause cleared comes out once).
    /// </summary>
    public PlaceEffects Tick(long now)
    {
        Begin();
        ExpireOperatorSettings(now);
        _effects.LevelChanged = Evaluate(now);
        foreach (var (kind, alert) in _open)
        {
            if (!Core.Cause(kind).IsOpen && _causeCleared.Add(kind))
            {
                _effects.ClearedList.Add(alert);
            }
        }

        _effects.StatusDue = _dirty;
        return Done(now);
    }

    /// <summary>A device said it went on- or offline; true when that changed what the place knew of it.</summary>
    public bool DeviceStatus(string deviceId, bool online, long now)
    {
        _unsaved = true;
        return Seen(deviceId, online, now);
    }

    /// <summary>New rules for the place (its definition changed); true when the level changed with them.</summary>
    public bool UseRules(PlaceRules rules, long now)
    {
        _rules = rules;
        Core.UseRules(EffectiveRules(now));
        return Evaluate(now);
    }

    /// <summary>Brings the level up to now; true on a change.</summary>
    public bool Evaluate(long now)
    {
        if (!Core.Evaluate(now))
        {
            return false;
        }

        _dirty = true;
        _unsaved = true;
        return true;
    }

    /// <summary>Holds back new alerts of <paramref name="kind"/> until <paramref name="until"/>; an end at or before now lifts the snooze.</summary>
    public void Snooze(SignalKind kind, long until, string by, string why, long now)
    {
        _snoozes.RemoveAll(s => s.Kind == kind);
        if (until > now)
        {
            _snoozes.Add(new PlaceSnooze(kind, until, by, why));
        }

        _dirty = true;
        _unsaved = true;
    }

    /// <summary>Watches the place more closely until the focus ends (null: no focus).</summary>
    public void SetFocus(PlaceFocus? focus, long now)
    {
        Focus = focus is { } f && f.Until > now ? f : null;
        Core.UseRules(EffectiveRules(now));
        Evaluate(now);
        _dirty = true;
        _unsaved = true;
    }

    /// <summary>Someone resolved the alert: it moves to the recent history and its cause may raise a new one. False when it is not open here.</summary>
    public bool AlertResolved(string alertId, long now)
    {
        foreach (var (kind, alert) in _open)
        {
            if (alert.AlertId == alertId)
            {
                _open.Remove(kind);
                _causeCleared.Remove(kind);
                Close(alert, now);
                _dirty = true;
                _unsaved = true;
                return true;
            }
        }

        return false;
    }

    /// <summary>A status was published: values alone wait again.</summary>
    public void Published(long now)
    {
        _dirty = false;
        _publishedAt = now;
    }

    /// <summary>Something the host keeps with the place (a rollup, a visit) changed: the next snapshot carries it.</summary>
    public void Changed() => _unsaved = true;

    /// <summary>Whether the snapshot is due: something changed and its time has come.</summary>
    public bool IsSnapshotDue(long now) => _unsaved && now >= _nextSaveAt;

    /// <summary>The snapshot is stored; the next is due at <paramref name="nextAt"/> if something changes.</summary>
    public void Saved(long nextAt)
    {
        _unsaved = false;
        _nextSaveAt = nextAt;
    }

    /// <summary>The next snapshot is due at <paramref name="at"/> (a spread first save, a retry after a failure, a wait while the database is busy).</summary>
    public void SaveAt(long at) => _nextSaveAt = at;

    /// <summary>The first moment the place has work: a level or cause change, a status, a snapshot, an expiry.</summary>
    public long NextWakeAt(long now)
    {
        var due = Core.NextChangeAt(now);
        if (_dirty)
        {
            due = Math.Min(due, _publishedAt + LeftoverValuesWithinMs);
        }

        if (_unsaved)
        {
            due = Math.Min(due, _nextSaveAt);
        }

        foreach (var snooze in _snoozes)
        {
            due = Math.Min(due, snooze.Until);
        }

        if (Focus is { } focus)
        {
            due = Math.Min(due, focus.Until);
        }

        foreach (var kind in _open.Keys)
        {
            if (!Core.Cause(kind).IsOpen && !_causeCleared.Contains(kind))
            {
                // A cause closed in a turn other than the tick: its alert hears of it at once.
                return now;
            }
        }

        return due;
    }

    private void Begin()
    {
        if (_settled)
        {
            _effects.Clear();
            _settled = false;
        }
    }

    private PlaceEffects Done(long now)
    {
        _settled = true;
        _effects.NextWakeAt = NextWakeAt(now);
        return _effects;
    }

    /// <summary>
    /// An alert-grade reading. While the kind's alert is open every occurrence — a repeat, or the cause coming back
    /// after it cleared — updates that alert; only a resolved alert lets the cause raise a new one.
    /// </summary>
    private void OnCause(string deviceId, SignalKind kind, long timestamp, long now)
    {
        ref readonly var cause = ref Core.Cause(kind);
        if (_open.TryGetValue(kind, out var open))
        {
            var repeated = open with { LastSeen = cause.LastSeen, Count = open.Count + 1, Severity = Math.Max(open.Severity, cause.Severity) };
            _open[kind] = repeated;
            _effects.RepeatedList.Add(repeated);
            _causeCleared.Remove(kind);
            return;
        }

        if (IsSnoozed(kind, now))
        {
            // Snoozed: the level still tells the truth, but no new alert calls people out.
            return;
        }

        var alert = new PlaceAlert(AlertIds.For(Id, deviceId, kind, timestamp), kind, cause.Severity, cause.OpenedAt, cause.LastSeen, 1, cause.Value, deviceId);
        _open[kind] = alert;
        _effects.OpenedList.Add(alert);
    }

    private bool IsSnoozed(SignalKind kind, long now)
    {
        foreach (var snooze in _snoozes)
        {
            if (snooze.Kind == kind && snooze.Until > now)
            {
                return true;
            }
        }

        return false;
    }

    private void ExpireOperatorSettings(long now)
    {
        if (_snoozes.Count > 0 && _snoozes.RemoveAll(s => s.Until <= now) > 0)
        {
            _dirty = true;
            _unsaved = true;
        }

        if (Focus is { } focus && focus.Until <= now)
        {
            Focus = null;
            Core.UseRules(EffectiveRules(now));
            _dirty = true;
            _unsaved = true;
        }
    }

    private PlaceRules EffectiveRules(long now) =>
        Focus is { } focus && focus.Until > now
            ? _rules with
            {
                MotionThreshold = _rules.MotionThreshold * FocusFactor,
                PeopleThreshold = _rules.PeopleThreshold * FocusFactor,
                LoiterThreshold = _rules.LoiterThreshold * FocusFactor,
                SoundThreshold = _rules.SoundThreshold * FocusFactor,
                Dwell = _rules.Dwell / 2,
            }
            : _rules;

    private void Close(PlaceAlert alert, long now)
    {
        _recent.Insert(0, new ClosedPlaceAlert(alert, now));
        if (_recent.Count > RecentAlertCount)
        {
            _recent.RemoveAt(_recent.Count - 1);
        }
    }

    /// <summary>Notes a device's word; true when it is new here or its on- or offline changed.</summary>
    private bool Seen(string deviceId, bool online, long now)
    {
        ref var seen = ref CollectionsMarshal.GetValueRefOrAddDefault(_devices, deviceId, out var known);
        var changed = !known || seen.Online != online;
        seen = new DeviceSeen(online, now);
        return changed;
    }

    private readonly record struct DeviceSeen(bool Online, long LastSeen);
}

/// <summary>
/// What one call into a <see cref="Place"/> changed. The same instance is reused: read it before the next call.
/// </summary>
public sealed class PlaceEffects
{
    internal List<PlaceAlert> OpenedList { get; } = [];

    internal List<PlaceAlert> RepeatedList { get; } = [];

    internal List<PlaceAlert> ClearedList { get; } = [];

    internal List<PlaceDevice> DeviceChangesList { get; } = [];

    /// <summary>New alerts, in the order their readings came.</summary>
    public IReadOnlyList<PlaceAlert> Opened => OpenedList;

    /// <summary>One entry per reading that repeated an open alert's cause: the alert as it is after that reading.</summary>
    public IReadOnlyList<PlaceAlert> Repeated => RepeatedList;

    /// <summary>Open alerts whose cause cleared (each once, until the cause comes back).</summary>
    public IReadOnlyList<PlaceAlert> CausesCleared => ClearedList;

    /// <summary>Devices that came online with a reading (new here, or after saying they went offline).</summary>
    public IReadOnlyList<PlaceDevice> DeviceChanges => DeviceChangesList;

    /// <summary>Whether the level changed.</summary>
    public bool LevelChanged { get; internal set; }

    /// <summary>Whether a status should go out now.</summary>
    public bool StatusDue { get; internal set; }

    /// <summary>When the place next has work if nothing else comes (<see cref="Place.NextWakeAt"/>).</summary>
    public long NextWakeAt { get; internal set; }

    internal void Clear()
    {
        OpenedList.Clear();
        RepeatedList.Clear();
        ClearedList.Clear();
        DeviceChangesList.Clear();
        LevelChanged = false;
        StatusDue = false;
    }
}

/// <summary>An alert a place has open. Times are Unix milliseconds.</summary>
public sealed record PlaceAlert(string AlertId, SignalKind Kind, int Severity, long RaisedAt, long LastSeen, int Count, double? Value, string? DeviceId = null);

/// <summary>An alert that is over, kept as the place's recent history.</summary>
public sealed record ClosedPlaceAlert(PlaceAlert Alert, long ClosedAt);

/// <summary>New alerts of a kind held back until <see cref="Until"/> by an operator's word: the level still tells the truth.</summary>
public sealed record PlaceSnooze(SignalKind Kind, long Until, string By, string Why);

/// <summary>The place watched more closely until <see cref="Until"/>: thresholds at <see cref="Place.FocusFactor"/>, half the dwell.</summary>
public sealed record PlaceFocus(long Until, string By, string Why);

/// <summary>A device heard at a place: whether it said it is online, and when it was last heard.</summary>
public readonly record struct PlaceDevice(string DeviceId, bool Online, long LastSeen);

/// <summary>What is saved of a place and what a place is made from again.</summary>
public sealed record PlaceMemory(
    byte[]? Core,
    IReadOnlyList<PlaceAlert> Open,
    IReadOnlyList<ClosedPlaceAlert> Recent,
    IReadOnlyList<PlaceSnooze> Snoozes,
    PlaceFocus? Focus,
    IReadOnlyList<PlaceDevice> Devices)
{
    /// <summary>A place never saved.</summary>
    public static PlaceMemory Empty { get; } = new(null, [], [], [], null, []);
}
