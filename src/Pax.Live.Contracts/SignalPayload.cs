using System.Buffers;
using System.Text.Json;

namespace Pax.Live.Contracts;

/// <summary>
/// Parses and validates the signals payload of contract v1 straight from its UTF-8 bytes:
/// <c>{"ts": 1764161000123, "signals": [{"kind": "motion", "value": 0.37}, …]}</c>.
/// No strings, no objects: the signals are written into a caller's span.
/// </summary>
public static class SignalPayload
{
    /// <summary>The largest payload accepted, in bytes.</summary>
    public const int MaxBytes = 4096;

    /// <summary>The most signals one message may carry.</summary>
    public const int MaxSignals = 64;

    /// <summary>How far a device's clock may run ahead of the server's, in milliseconds.</summary>
    public const long MaxFutureSkewMs = 5 * 60 * 1000;

    // The longest word the contract compares text with is "-Infinity"; room to spare.
    private const int MaxAsciiName = 16;

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 8 };

    /// <summary>Parses a payload that may arrive in segments (as MQTT hands it over).</summary>
    public static RejectReason Parse(in ReadOnlySequence<byte> payload, long nowUnixMs, Span<Signal> destination, out long timestamp, out int count)
    {
        if (payload.IsSingleSegment)
        {
            return Parse(payload.FirstSpan, nowUnixMs, destination, out timestamp, out count);
        }

        if (payload.Length > MaxBytes)
        {
            timestamp = 0;
            count = 0;
            return RejectReason.TooLarge;
        }

        Span<byte> contiguous = stackalloc byte[MaxBytes];
        payload.CopyTo(contiguous);
        return Parse(contiguous[..(int)payload.Length], nowUnixMs, destination, out timestamp, out count);
    }

    /// <summary>
    /// Parses and validates one payload. On <see cref="RejectReason.None"/>, <paramref name="destination"/> (at least
    /// <see cref="MaxSignals"/> long) holds <paramref name="count"/> signals and <paramref name="timestamp"/> the device time.
    /// </summary>
    public static RejectReason Parse(ReadOnlySpan<byte> utf8, long nowUnixMs, Span<Signal> destination, out long timestamp, out int count)
    {
        if (destination.Length < MaxSignals)
        {
            throw new ArgumentException($"The destination must hold {MaxSignals} signals.", nameof(destination));
        }

        timestamp = 0;
        count = 0;
        if (utf8.Length > MaxBytes)
        {
            return RejectReason.TooLarge;
        }

        // The reader checks UTF-8 only in what it decodes; a skipped field could still smuggle invalid bytes.
        if (!System.Text.Unicode.Utf8.IsValid(utf8))
        {
            return RejectReason.NotJson;
        }

        var reader = new Utf8JsonReader(utf8, ReaderOptions);
        try
        {
            var reason = ReadMessage(ref reader, destination, out timestamp, out count);
            if (reason == RejectReason.None)
            {
                if (reader.Read())
                {
                    // Content after the root object; the reader throws for most, this covers the rest.
                    return RejectReason.NotJson;
                }

                if (timestamp > nowUnixMs + MaxFutureSkewMs)
                {
                    reason = RejectReason.FutureTimestamp;
                }
            }
            else
            {
                // A payload that is broken JSON is "not JSON" whatever else is wrong with it: read to the end to know.
                while (reader.Read())
                {
                }
            }

            if (reason != RejectReason.None)
            {
                count = 0;
            }

            return reason;
        }
        catch (JsonException)
        {
            count = 0;
            return RejectReason.NotJson;
        }
    }

    private static RejectReason ReadMessage(ref Utf8JsonReader reader, Span<Signal> destination, out long timestamp, out int count)
    {
        timestamp = 0;
        count = 0;
        if (!reader.Read())
        {
            return RejectReason.NotJson;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return RejectReason.BadShape;
        }

        var sawTimestamp = false;
        var sawSignals = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (TextEquals(ref reader, "ts"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out timestamp))
                {
                    return RejectReason.BadShape;
                }

                if (timestamp <= 0)
                {
                    return RejectReason.OutOfRange;
                }

                sawTimestamp = true;
            }
            else if (TextEquals(ref reader, "signals"u8))
            {
                reader.Read();
                var reason = ReadSignals(ref reader, destination, out count);
                if (reason != RejectReason.None)
                {
                    return reason;
                }

                sawSignals = true;
            }
            else
            {
                // Unknown fields are ignored so that later minor versions stay readable by this server.
                reader.Read();
                reader.Skip();
            }
        }

        if (!sawTimestamp || !sawSignals)
        {
            return RejectReason.BadShape;
        }

        return count == 0 ? RejectReason.SignalCount : RejectReason.None;
    }

    private static RejectReason ReadSignals(ref Utf8JsonReader reader, Span<Signal> destination, out int count)
    {
        count = 0;
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return RejectReason.BadShape;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (count == MaxSignals)
            {
                return RejectReason.SignalCount;
            }

            var reason = ReadSignal(ref reader, out destination[count]);
            if (reason != RejectReason.None)
            {
                return reason;
            }

            count++;
        }

        return RejectReason.None;
    }

    private static RejectReason ReadSignal(ref Utf8JsonReader reader, out Signal signal)
    {
        signal = default;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return RejectReason.BadShape;
        }

        SignalKind kind = default;
        double value = 0;
        var sawKind = false;
        var sawValue = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (TextEquals(ref reader, "kind"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    return RejectReason.BadShape;
                }

                if (!TryReadKind(ref reader, out kind))
                {
                    return RejectReason.UnknownKind;
                }

                sawKind = true;
            }
            else if (TextEquals(ref reader, "value"u8))
            {
                reader.Read();
                var reason = ReadValue(ref reader, out value);
                if (reason != RejectReason.None)
                {
                    return reason;
                }

                sawValue = true;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        if (!sawKind || !sawValue)
        {
            return RejectReason.BadShape;
        }

        if (!kind.IsInRange(value))
        {
            return RejectReason.OutOfRange;
        }

        signal = new Signal(kind, value);
        return RejectReason.None;
    }

    private static bool TryReadKind(ref Utf8JsonReader reader, out SignalKind kind)
    {
        if (!reader.ValueIsEscaped)
        {
            return SignalKinds.TryParse(reader.ValueSpan, out kind);
        }

        // An escaped name ("\u006dotion") is still a name.
        kind = default;
        Span<byte> name = stackalloc byte[MaxAsciiName];
        return TryUnescapeAscii(reader.ValueSpan, name, out var length) && SignalKinds.TryParse(name[..length], out kind);
    }

    /// <summary>Whether the current property name or string is <paramref name="ascii"/>, escapes decoded.</summary>
    private static bool TextEquals(ref Utf8JsonReader reader, ReadOnlySpan<byte> ascii)
    {
        if (!reader.ValueIsEscaped)
        {
            return reader.ValueSpan.SequenceEqual(ascii);
        }

        Span<byte> text = stackalloc byte[MaxAsciiName];
        return TryUnescapeAscii(reader.ValueSpan, text, out var length) && text[..length].SequenceEqual(ascii);
    }

    /// <summary>
    /// Decodes the escapes of a name or string the reader has already validated, if the result is short ASCII: every
    /// word the contract knows is. Anything else cannot be one of them, so it is not decoded at all. The reader's own
    /// unescaping (ValueTextEquals, CopyString) throws InvalidOperationException on a lone surrogate escape
    /// ("\uDC00"), which is grammatical JSON (RFC 8259 §8.2): that exception escaped Parse, and would cost a throw.
    /// </summary>
    private static bool TryUnescapeAscii(ReadOnlySpan<byte> escaped, Span<byte> destination, out int length)
    {
        length = 0;
        var i = 0;
        while (i < escaped.Length)
        {
            if (length == destination.Length)
            {
                return false;
            }

            var b = escaped[i];
            if (b != (byte)'\\')
            {
                i++;
            }
            else if (i + 1 < escaped.Length && escaped[i + 1] == (byte)'u')
            {
                if (i + 6 > escaped.Length || !TryReadHex(escaped.Slice(i + 2, 4), out var code) || code > 0x7F)
                {
                    return false;
                }

                b = (byte)code;
                i += 6;
            }
            else if (i + 1 < escaped.Length)
            {
                b = escaped[i + 1] switch
                {
                    (byte)'"' => (byte)'"',
                    (byte)'\\' => (byte)'\\',
                    (byte)'/' => (byte)'/',
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => 0xFF,
                };
                i += 2;
            }
            else
            {
                return false;
            }

            if (b > 0x7F)
            {
                return false;
            }

            destination[length++] = b;
        }

        return true;
    }

    private static bool TryReadHex(ReadOnlySpan<byte> four, out int value)
    {
        value = 0;
        foreach (var c in four)
        {
            var digit = c switch
            {
                >= (byte)'0' and <= (byte)'9' => c - '0',
                >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
                _ => -1,
            };
            if (digit < 0)
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }

    private static RejectReason ReadValue(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        if (reader.TokenType == JsonTokenType.String)
        {
            // JSON has no NaN or infinity; producers that write them as strings get told what they sent.
            return TextEquals(ref reader, "NaN"u8) || TextEquals(ref reader, "Infinity"u8) || TextEquals(ref reader, "-Infinity"u8)
                ? RejectReason.NotFinite
                : RejectReason.BadShape;
        }

        if (reader.TokenType != JsonTokenType.Number)
        {
            return RejectReason.BadShape;
        }

        return reader.TryGetDouble(out value) && double.IsFinite(value) ? RejectReason.None : RejectReason.NotFinite;
    }
}
