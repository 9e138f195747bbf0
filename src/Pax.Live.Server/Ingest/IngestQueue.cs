using System.Threading.Channels;

namespace Pax.Live.Server.Ingest;

/// <summary>The bounded queue between the MQTT broker's receive loops and the dispatcher that calls the grains.</summary>
public sealed class IngestQueue(IngestOptions options)
{
    private readonly Channel<IngestEnvelope> _channel = Channel.CreateBounded<IngestEnvelope>(
        new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });

    /// <summary>The dispatcher's end.</summary>
    public ChannelReader<IngestEnvelope> Reader => _channel.Reader;

    /// <summary>Queues without waiting; false when the queue is full.</summary>
    public bool TryWrite(in IngestEnvelope envelope) => _channel.Writer.TryWrite(envelope);

    /// <summary>Queues, waiting for room: for messages that must not be dropped. The wait slows the publishing connection.</summary>
    public ValueTask WriteAsync(IngestEnvelope envelope, CancellationToken cancellationToken) =>
        _channel.Writer.WriteAsync(envelope, cancellationToken);

    /// <summary>Ends the queue: the dispatcher drains what is left and stops.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
