using System.Text.Json;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;

namespace Pax.Live.Edge.Analyse;

/// <summary>
/// The one writer of <c>analyse</c>'s standard output: one JSON object per line, <c>{"topic": …, "payload": …}</c>,
/// the payload being exactly the bytes the device would publish. Every pipeline of a file (video, audio…) writes
/// through it, so that lines never interleave.
/// </summary>
public sealed class JsonLinesWriter(Stream output)
{
    private readonly Lock _lock = new();
    private readonly Stream _output = output;
    private long _lines;

    /// <summary>Lines written so far.</summary>
    public long Lines => Interlocked.Read(ref _lines);

    /// <summary>A sink that writes the messages of one device under its signals topic.</summary>
    public ISignalSink For(string placeId, string deviceId) => new DeviceSink(this, Topic.Signals(placeId, deviceId));

    /// <summary>Writes one message of <paramref name="topic"/> as one line.</summary>
    public void Write(string topic, SignalMessage message)
    {
        lock (_lock)
        {
            using (var writer = new Utf8JsonWriter(_output))
            {
                writer.WriteStartObject();
                writer.WriteString("topic"u8, topic);
                writer.WritePropertyName("payload"u8);
                writer.WriteRawValue(message.Payload, skipInputValidation: true);
                writer.WriteEndObject();
            }

            _output.WriteByte((byte)'\n');
            _output.Flush();
            _lines++;
        }
    }

    private sealed class DeviceSink(JsonLinesWriter writer, string topic) : ISignalSink
    {
        public void Publish(SignalMessage message) => writer.Write(topic, message);
    }
}
