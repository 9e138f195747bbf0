using System.Threading.Channels;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// The bounded queues between the MQTT broker's receive loops and the dispatcher that calls the grains: one lane for
/// periodic messages, which may be dropped when it is full, and a priority lane for messages that must not be lost
/// (events, device status), which the dispatcher drains first, so an alert never queues behind a backlog of readings.
/// (Not single-reader channels: the dispatcher may leave a wait pending on one lane while it reads the other.)
/// </summary>
public sealed class IngestQueue(IngestOptions options)
{
    private readonly Channel<IngestEnvelope> _periodic = Channel.CreateBounded<IngestEnvelope>(
        new BoundedChannelOptions(options.QueueCapacity) { SingleReader = false, FullMode = BoundedChannelFullMode.Wait });

    private readonly Channel<IngestEnvelope> _priority = Channel.CreateBounded<IngestEnvelope>(
        new BoundedChannelOptions(Math.Max(1, options.PriorityCapacity)) { SingleReader = false, FullMode = BoundedChannelFullMode.Wait });

    private Task<bool>? _priorityWait;
    private Task<bool>? _periodicWait;
    private bool _priorityDone;
    private bool _periodicDone;

    /// <summary>The periodic lane, the dispatcher's end.</summary>
    public ChannelReader<IngestEnvelope> Reader => _periodic.Reader;

    /// <summary>The priority lane, the dispatcher's end.</summary>
    public ChannelReader<IngestEnvelope> PriorityReader => _priority.Reader;

    /// <summary>Queues without waiting; false when the lane is full.</summary>
    public bool TryWrite(in IngestEnvelope envelope) => Lane(envelope).Writer.TryWrite(envelope);

    /// <summary>Queues, waiting for room: for messages that must not be dropped. The wait slows the publishing connection.</summary>
    public ValueTask WriteAsync(IngestEnvelope envelope, CancellationToken cancellationToken) =>
        Lane(envelope).Writer.WriteAsync(envelope, cancellationToken);

    /// <summary>Whether a message waits in the priority lane.</summary>
    public bool HasPriority => _priority.Reader.TryPeek(out _);

    /// <summary>Reads the next message, priority lane first.</summary>
    public bool TryRead(out IngestEnvelope envelope) => _priority.Reader.TryRead(out envelope) || _periodic.Reader.TryRead(out envelope);

    /// <summary>
    /// Waits until either lane has a message; false when both are completed and empty. For the one dispatcher: a wait
    /// left pending on a lane is kept and reused by the next call, so waits never pile up on a lane that stays empty.
    /// </summary>
    public async ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_priority.Reader.TryPeek(out _) || _periodic.Reader.TryPeek(out _))
            {
                return true;
            }

            if (_priorityDone && _periodicDone)
            {
                return false;
            }

            // Idle: a task per wait is fine here; the busy path above allocates nothing.
            var priority = _priorityDone ? null : WhenPriority(cancellationToken);
            _periodicWait ??= _periodicDone ? null : _periodic.Reader.WaitToReadAsync(cancellationToken).AsTask();
            if (priority is not null && _periodicWait is not null)
            {
                await Task.WhenAny(priority, _periodicWait);
            }
            else
            {
                await (priority ?? _periodicWait!);
            }

            if (_priorityWait is { IsCompleted: true } p)
            {
                _priorityWait = null;
                _priorityDone = !await p;
            }

            if (_periodicWait is { IsCompleted: true } q)
            {
                _periodicWait = null;
                _periodicDone = !await q;
            }
        }
    }

    /// <summary>Completes when the priority lane has a message (or ends); the same task until it does.</summary>
    public Task<bool> WhenPriority(CancellationToken cancellationToken)
    {
        // A wait that saw a message which has since been read is spent: wait again.
        if (_priorityWait is { IsCompletedSuccessfully: true, Result: true } && !HasPriority)
        {
            _priorityWait = null;
        }

        return _priorityWait ??= _priority.Reader.WaitToReadAsync(cancellationToken).AsTask();
    }

    /// <summary>Ends the queue: the dispatcher drains what is left and stops.</summary>
    public void Complete()
    {
        _priority.Writer.TryComplete();
        _periodic.Writer.TryComplete();
    }

    private Channel<IngestEnvelope> Lane(in IngestEnvelope envelope) => envelope.IsStatus || envelope.HasEvent ? _priority : _periodic;
}
