namespace Pax.Live.Server.Ingest;

/// <summary>What a device may publish (<c>Pax:Mqtt:MessagesPerSecond</c>, <c>Burst</c>, <c>EventsPerSecond</c>, <c>EventBurst</c>).</summary>
public readonly record struct DeviceBudget(double MessagesPerSecond, double Burst, double EventsPerSecond, double EventBurst);

/// <summary>
/// One device's message budget, a token bucket: <c>MessagesPerSecond</c> with bursts up to <c>Burst</c>. When it is
/// empty, messages that carry an event (or a device status) still pass from a bucket of their own, up to
/// <c>EventsPerSecond</c> with bursts of <c>EventBurst</c>, so a flood of periodic readings cannot hide an alert, nor
/// can a flood of fake alerts go unbounded. A broker reads one connection's packets one at a time, so no lock.
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
