namespace Pax.Live.Server.Ingest;

/// <summary>What a device may publish (<c>Pax:Mqtt:MessagesPerSecond</c>, <c>Burst</c>, <c>EventsPerSecond</c>, <c>EventBurst</c>).</summary>
public readonly record struct DeviceBudget(double MessagesPerSecond, double Burst, double EventsPerSecond, double EventBurst)
{
    /// <summary>Whether there is a limit at all (<c>MessagesPerSecond</c> 0: none).</summary>
    public bool IsLimited => MessagesPerSecond > 0;
}

/// <summary>
/// One device's message budget, a token bucket: <c>MessagesPerSecond</c> with bursts up to <c>Burst</c>. When it is
/// empty, messages that carry an event (or a device status) still pass from a bucket of their own, up to
/// <c>EventsPerSecond</c> with bursts of <c>EventBurst</c>, so a flood of periodic readings cannot hide an alert, nor
/// can a flood of fake alerts go unbounded. Asked about one message at a time (see <see cref="PublisherBudget"/>), so no lock.
/// </summary>
public sealed class DeviceLimiter(DeviceBudget options, long nowMs)
{
    private double _tokens = options.Burst;
    private double _eventTokens = options.EventBurst;
    private long _last = nowMs;

    /// <summary>Takes one message's token; false when the device is over its limit.</summary>
    public bool TryTake(bool carriesEvent, long nowMs)
    {
        var elapsed = Math.Max(0, nowMs - _last) / 1000.0;
        _last = Math.Max(_last, nowMs);
        _tokens = Math.Min(options.Burst, _tokens + (elapsed * options.MessagesPerSecond));
        _eventTokens = Math.Min(options.EventBurst, _eventTokens + (elapsed * options.EventsPerSecond));
        if (_tokens >= 1)
        {
            _tokens--;
            return true;
        }

        if (carriesEvent && _eventTokens >= 1)
        {
            _eventTokens--;
            return true;
        }

        return false;
    }
}

/// <summary>
/// Whose budget a publisher's messages are spent from, asked by ingest once it has found the device in the topic. A
/// connection to the embedded broker has one budget for all it publishes (<see cref="ForConnection"/>): a device may
/// publish only under its own id, and an anonymous lab client spends one budget whatever devices it names. A stream
/// that carries many devices, this node's share of an external broker, keeps one per device (<see cref="PerDevice"/>):
/// that broker keeps none, so with N nodes sharing the stream a device that floods gets at most N times what the
/// embedded broker would give it. Either is used for one message at a time (a connection's packets are read in turn,
/// a subscription's messages are handed over in turn), so no lock.
/// </summary>
public sealed class PublisherBudget
{
    private const int MaxDevices = 100_000;

    private readonly DeviceBudget _budget;
    private readonly DeviceLimiter? _connection;
    private readonly Dictionary<string, DeviceLimiter>? _devices;

    private PublisherBudget(DeviceBudget budget, DeviceLimiter? connection)
    {
        _budget = budget;
        _connection = connection;
        _devices = connection is null ? new Dictionary<string, DeviceLimiter>(StringComparer.Ordinal) : null;
    }

    /// <summary>One budget for everything a connection publishes; null when <paramref name="budget"/> sets no limit.</summary>
    public static PublisherBudget? ForConnection(DeviceBudget budget, long nowMs) =>
        budget.IsLimited ? new PublisherBudget(budget, new DeviceLimiter(budget, nowMs)) : null;

    /// <summary>A budget per device on a stream of many devices' messages; null when <paramref name="budget"/> sets no limit.</summary>
    public static PublisherBudget? PerDevice(DeviceBudget budget) => budget.IsLimited ? new PublisherBudget(budget, null) : null;

    /// <summary>Takes one token for a message of <paramref name="deviceId"/> (ingest's interned id); false when it is over its limit.</summary>
    public bool TryTake(string deviceId, bool carriesEvent, long nowMs) =>
        (_connection ?? OfDevice(deviceId, nowMs)).TryTake(carriesEvent, nowMs);

    private DeviceLimiter OfDevice(string deviceId, long nowMs)
    {
        if (!_devices!.TryGetValue(deviceId, out var limiter))
        {
            if (_devices.Count >= MaxDevices)
            {
                _devices.Clear();
            }

            limiter = new DeviceLimiter(_budget, nowMs);
            _devices[deviceId] = limiter;
        }

        return limiter;
    }
}
