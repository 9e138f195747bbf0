using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>
/// One activation per place, the only writer of its live state. It feeds batches to the core, opens alerts for new
/// causes and tells the notifier what changed. A one-second tick moves levels that change with time alone
/// (silence → unknown, a cause's hold running out).
/// </summary>
[KeepAlive]
public sealed partial class PlaceGrain([FromKeyedServices(PaxClock.Key)] TimeProvider clock, LevelDefaults defaults, ILogger<PlaceGrain> logger) : Grain, IPlaceGrain
{
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);
    private const long ValuesEveryMs = 250;

    private readonly Dictionary<string, DeviceInfo> _devices = new(StringComparer.Ordinal);
    private readonly Dictionary<SignalKind, OpenAlert> _alerts = [];
    private readonly List<AlertRaised> _raised = [];
    private PlaceAggregator _core = null!;
    private PlaceDefinition? _definition;
    private ILiveNotifierGrain _notifier = null!;
    private bool _dirty;
    private long _publishedAt;

    private string PlaceId => this.GetPrimaryKeyString();

    /// <inheritdoc />
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _notifier = GrainFactory.GetGrain<ILiveNotifierGrain>(0);
        _definition = await GrainFactory.GetGrain<ICatalogGrain>(0).Find(PlaceId);
        _core = new PlaceAggregator(RulesFor(_definition), Now);
        this.RegisterGrainTimer(OnTick, new GrainTimerCreationOptions(Tick, Tick) { KeepAlive = true });
    }

    /// <inheritdoc />
    public async ValueTask Ingest(SignalBatch batch)
    {
        var now = Now;
        foreach (var sample in batch.Samples)
        {
            var outcome = _core.Record(sample.Kind, sample.Value, sample.Timestamp, now);
            if (outcome != CauseOutcome.None)
            {
                OnCause(sample.Kind, outcome);
            }

            Seen(sample.DeviceId, online: true, now);
        }

        // Values alone go out at most every ValuesEvery (the notifier coalesces to 250 ms anyway); a new level or an
        // alert goes out at once. Under load this spares one notifier call per batch; the tick sends what is left.
        var levelChanged = _core.Evaluate(now);
        _dirty = true;
        if (levelChanged || _raised.Count > 0 || now - _publishedAt >= ValuesEveryMs)
        {
            PublishStatus();
        }

        // Alerts go out at once and are awaited: a lost alert is worse than a late one.
        foreach (var alert in _raised)
        {
            await _notifier.AlertRaised(alert);
        }

        _raised.Clear();
    }

    /// <inheritdoc />
    public ValueTask DeviceStatusChanged(string deviceId, bool online)
    {
        Seen(deviceId, online, Now);
        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    public Task Configure(PlaceDefinition definition)
    {
        _definition = definition;
        _core.UseRules(RulesFor(definition));
        if (_core.Evaluate(Now))
        {
            _dirty = true;
            PublishStatus();
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public ValueTask<PlaceStatus> GetStatus()
    {
        var now = Now;
        _core.Evaluate(now);
        var values = new List<KindValue>(SignalKinds.Count);
        foreach (var kind in SignalKinds.All)
        {
            var (value, at) = _core.Latest(kind);
            if (at != 0)
            {
                values.Add(new KindValue(kind, value, DateTimeOffset.FromUnixTimeMilliseconds(at)));
            }
        }

        return ValueTask.FromResult(new PlaceStatus(
            PlaceId,
            _core.Level,
            DateTimeOffset.FromUnixTimeMilliseconds(_core.LevelSince),
            _core.LastHeardAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_core.LastHeardAt),
            [.. values],
            [.. _alerts.Values],
            [.. _devices.Values]));
    }

    private Task OnTick()
    {
        if (_core.Evaluate(Now))
        {
            _dirty = true;
        }

        // Causes close with time too: drop their alerts from the open list.
        foreach (var kind in _alerts.Keys)
        {
            if (!_core.Cause(kind).IsOpen)
            {
                _alerts.Remove(kind);
                _dirty = true;
            }
        }

        PublishStatus();
        return Task.CompletedTask;
    }

    private void OnCause(SignalKind kind, CauseOutcome outcome)
    {
        ref readonly var cause = ref _core.Cause(kind);
        var lastSeen = DateTimeOffset.FromUnixTimeMilliseconds(cause.LastSeen);
        if (outcome == CauseOutcome.Repeated && _alerts.TryGetValue(kind, out var open))
        {
            _alerts[kind] = open with { LastSeen = lastSeen, Count = cause.Count, Severity = cause.Severity };
            return;
        }

        var raisedAt = DateTimeOffset.FromUnixTimeMilliseconds(cause.OpenedAt);
        var alert = new OpenAlert(
            AlertIds.New(raisedAt),
            kind,
            cause.Severity,
            raisedAt,
            lastSeen,
            cause.Count,
            AlertSummaries.For(kind, cause.Value, _definition?.Name ?? PlaceId));
        _alerts[kind] = alert;
        LogAlertRaised(logger, alert.AlertId, PlaceId, alert.Summary);
        _raised.Add(new AlertRaised(alert.AlertId, PlaceId, kind, alert.Severity, raisedAt, alert.Summary));
    }

    [LoggerMessage(LogLevel.Information, "Alert {AlertId} raised at {PlaceId}: {Summary}")]
    private static partial void LogAlertRaised(ILogger logger, string alertId, string placeId, string summary);

    private void Seen(string deviceId, bool online, long now)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now);
        if (!_devices.TryGetValue(deviceId, out var device) || device.Online != online || at - device.LastSeen >= Tick)
        {
            _devices[deviceId] = new DeviceInfo(deviceId, online, at);
        }
    }

    private void PublishStatus()
    {
        if (!_dirty)
        {
            return;
        }

        _dirty = false;
        var values = new Dictionary<string, double>(SignalKinds.Count);
        var now = Now;
        _publishedAt = now;
        var freshMs = (long)_core.Rules.UnknownAfter.TotalMilliseconds;
        foreach (var kind in SignalKinds.All)
        {
            var (value, at) = _core.Latest(kind);
            if (at != 0 && now - at < freshMs)
            {
                values[kind.Name()] = value;
            }
        }

        DateTimeOffset? updatedAt = _core.LastHeardAt == 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(_core.LastHeardAt);
        _notifier.StatusChanged(new PlaceStatusChanged(PlaceId, _core.Level, values, updatedAt)).Ignore();
    }

    private PlaceRules RulesFor(PlaceDefinition? definition)
    {
        var rules = defaults.Rules;
        if (definition is null)
        {
            return rules;
        }

        var t = definition.Thresholds;
        return rules with
        {
            MotionThreshold = t.Motion,
            PeopleThreshold = t.People,
            LoiterThreshold = t.Loiter,
            SoundThreshold = t.Sound,
            Dwell = TimeSpan.FromSeconds(t.DwellSeconds),
        };
    }

    private long Now => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
