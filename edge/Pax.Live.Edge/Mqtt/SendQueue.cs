using System.Threading.Channels;

namespace Pax.Live.Edge.Mqtt;

/// <summary>
/// What a device has made and not yet sent, in two lanes, so that an alert-grade message never waits behind readings
/// when the broker takes them slower than the camera makes them. Alert-grade messages are taken first, in the order
/// they were made; a full alert lane refuses (the caller keeps the message on disk). Readings are bounded and a full
/// lane drops its oldest: the newest reading is the one the live picture wants. Any number of writers, one reader (the
/// send loop).
/// </summary>
public sealed class SendQueue
{
    private readonly Channel<SignalMessage> _alertGrade;
    private readonly Channel<SignalMessage> _readings;
    private Task<bool>? _alertGradeWait;
    private Task<bool>? _readingsWait;
    private long _readingsDropped;

    /// <summary>Creates the lanes.</summary>
    /// <param name="readings">Readings kept at most; about a minute of them at one message a second.</param>
    /// <param name="alertGrade">Alert-grade messages kept in memory at most before they go to disk.</param>
    public SendQueue(int readings = 64, int alertGrade = 1024)
    {
        _alertGrade = Channel.CreateBounded<SignalMessage>(
            new BoundedChannelOptions(alertGrade) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _readings = Channel.CreateBounded<SignalMessage>(
            new BoundedChannelOptions(readings) { SingleReader = true, FullMode = BoundedChannelFullMode.DropOldest },
            _ => Interlocked.Increment(ref _readingsDropped));
    }

    /// <summary>Readings dropped because newer ones came while they waited.</summary>
    public long ReadingsDropped => Interlocked.Read(ref _readingsDropped);

    /// <summary>Queues without waiting; false only for an alert-grade message whose lane is full.</summary>
    public bool TryAdd(SignalMessage message) =>
        message.AlertGrade ? _alertGrade.Writer.TryWrite(message) : _readings.Writer.TryWrite(message);

    /// <summary>The next message to send: alert-grade first.</summary>
    public bool TryTake(out SignalMessage message) =>
        _alertGrade.Reader.TryRead(out message!) || _readings.Reader.TryRead(out message!);

    /// <summary>
    /// Completes when either lane has a message, or throws when <paramref name="cancellationToken"/> fires. A lane's wait
    /// that is still pending is kept for the next call, so waits never pile up on a lane that stays empty.
    /// </summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (_alertGrade.Reader.TryPeek(out _) || _readings.Reader.TryPeek(out _))
        {
            return;
        }

        // Idle: a task per wake-up is fine at a camera's rate. The waits carry no token, because they outlive this call.
        _alertGradeWait ??= _alertGrade.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
        _readingsWait ??= _readings.Reader.WaitToReadAsync(CancellationToken.None).AsTask();
        await Task.WhenAny(_alertGradeWait, _readingsWait).WaitAsync(cancellationToken).ConfigureAwait(false);
        _alertGradeWait = _alertGradeWait.IsCompleted ? null : _alertGradeWait;
        _readingsWait = _readingsWait.IsCompleted ? null : _readingsWait;
    }
}
