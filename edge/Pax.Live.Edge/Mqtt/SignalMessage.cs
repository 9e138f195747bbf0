using System.Buffers;
using System.Text.Json;
using Pax.Live.Contracts;

namespace Pax.Live.Edge.Mqtt;

/// <summary>One signals message ready for the wire: its payload, and whether it is alert-grade (holds an event kind).</summary>
public sealed record SignalMessage(long Timestamp, byte[] Payload, bool AlertGrade)
{
    /// <summary>Writes a contract v1 payload; every value must already be in its kind's range.</summary>
    public static SignalMessage Create(long timestampMs, ReadOnlySpan<Signal> signals)
    {
        if (signals.IsEmpty || signals.Length > SignalPayload.MaxSignals)
        {
            throw new ArgumentOutOfRangeException(nameof(signals), $"A message holds 1 to {SignalPayload.MaxSignals} signals.");
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        var alertGrade = false;
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("ts"u8, timestampMs);
            writer.WriteStartArray("signals"u8);
            foreach (var signal in signals)
            {
                if (!double.IsFinite(signal.Value) || !signal.Kind.IsInRange(signal.Value))
                {
                    throw new ArgumentOutOfRangeException(nameof(signals), $"{signal.Kind.Name()} {signal.Value} is outside the contract's range.");
                }

                alertGrade |= signal.Kind.IsEvent();
                writer.WriteStartObject();
                writer.WriteString("kind"u8, signal.Kind.Name());
                writer.WriteNumber("value"u8, signal.Value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return new SignalMessage(timestampMs, buffer.WrittenSpan.ToArray(), alertGrade);
    }
}
