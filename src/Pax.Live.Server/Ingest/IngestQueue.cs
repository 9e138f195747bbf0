using System.Threading.Channels;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// The hand-over from validation to dispatch: bounded lanes between the brokers' receive loops and the one
/// <see cref="IngestDispatcher"/> that reads them. One lane for periodic messages, which may be dropped when it is
/// full, and a priority lane for messages that must not be lost (events, device status), which the dispatcher drains
/// first, so an alert never queues behind a backlog of readings. Which lane a message takes is decided here; when and
/// how they are read, by the dispatcher. (Not single-reader channels: the dispatcher may leave a wait pending on one
/// lane while it reads the other.)
/// </summary>
public sealed class IngestQueue(IngestOptions options)
{
    private readonly Channel<IngestEnvelope> _periodic = Channel.CreateBounded<IngestEnvelope>(
        new BoundedChannelOptions(options.QueueCapacity) { SingleReader = false, FullMode = BoundedChannelFullMode.Wait });

    private readonly Channel<IngestEnvelope> _priority = Channel.CreateBounded<IngestEnvelope>(
        new BoundedChannelOptions(Math.Max(1, options.PriorityCapacity)) { SingleReader = false, FullMode = BoundedChannelFullMode.Wait });

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

    /// <summary>Whether a message waits in the periodic lane.</summary>
    public bool HasPeriodic => _periodic.Reader.TryPeek(out _);

    /// <summary>Whether a message waits in either lane.</summary>
    public bool HasAny => _priority.Reader.TryPeek(out _) || _periodic.Reader.TryPeek(out _);

    /// <summary>Reads the next message, priority lane first.</summary>
    public bool TryRead(out IngestEnvelope envelope) => _priority.Reader.TryRead(out envelope) || _periodic.Reader.TryRead(out envelope);

    /// <summary>Ends the queue: the dispatcher drains what is left and stops.</summary>
    public void Complete()
    {
        _priority.Writer.TryComplete();
        _periodic.Writer.TryComplete();
    }

    private Channel<IngestEnvelope> Lane(in IngestEnvelope envelope) => envelope.IsStatus || envelope.HasEvent ? _priority : _periodic;
}
