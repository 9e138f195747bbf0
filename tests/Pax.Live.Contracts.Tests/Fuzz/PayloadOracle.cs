using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>
/// A second reading of docs/protocol.md sections 3 and 4, written from the document and not from the parser: it is
/// slow, allocates, and walks a <see cref="JsonDocument"/> (a complete, strict DOM parser) with its own escape decoding,
/// integer grammar, number conversion, limits and range table. It shares only System.Text.Json's tokenizer with
/// <see cref="SignalPayload"/>, and uses none of the contract's code but the <see cref="SignalKind"/> values.
/// Where JsonDocument on its own would answer differently from the contract, the contract wins, on purpose:
/// <list type="bullet">
/// <item>Size is checked first (4.1 #3): a 5 KB document JsonDocument reads happily is <c>too_large</c>.</item>
/// <item>UTF-8 must be valid throughout, ignored members included (3.1); checked here with a throwing decoder,
/// before any JSON is read, so invalid bytes are <c>not_json</c> whatever JsonDocument thinks of them.</item>
/// <item>Nesting is limited to 8 (3.1), not JsonDocument's default 64.</item>
/// <item>A syntax error anywhere wins over every other reason (4.2): JsonDocument reads the whole document before the
/// walk starts, which gives exactly that order.</item>
/// <item>A lone surrogate escape (<c>"\uDC00"</c>) is grammatical JSON (RFC 8259 §8.2) and JsonDocument keeps it, but
/// <see cref="JsonElement.GetString"/> and <see cref="JsonProperty.NameEquals(string)"/> throw on it; names and
/// strings are therefore decoded here from their raw bytes, and such text simply equals none of the contract's words.</item>
/// </list>
/// </summary>
internal static partial class PayloadOracle
{
    // The numbers as docs/protocol.md writes them, not SignalPayload's constants.
    private const int MaxBytes = 4096;
    private const int MaxSignals = 64;
    private const long MaxSkewMs = 300_000;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonDocumentOptions Strict = new()
    {
        MaxDepth = 8,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    /// <summary>Section 3.2, one row a kind.</summary>
    private static readonly Dictionary<string, (SignalKind Kind, Func<double, bool> InRange)> Kinds = new(StringComparer.Ordinal)
    {
        ["motion"] = (SignalKind.Motion, v => v >= 0 && v <= 1),
        ["people"] = (SignalKind.People, v => v >= 0 && v <= 100_000 && Math.Truncate(v) == v),
        ["loiter"] = (SignalKind.Loiter, v => v >= 0 && v <= 86_400),
        ["sound"] = (SignalKind.Sound, v => v >= 0 && v <= 194),
        ["impulse"] = (SignalKind.Impulse, v => v == 0 || v == 1),
        ["fire"] = (SignalKind.Fire, v => v >= 0 && v <= 1),
        ["tamper"] = (SignalKind.Tamper, v => v == 0 || v == 1),
        ["report"] = (SignalKind.Report, v => v == 1 || v == 2 || v == 3),
    };

    /// <summary>Whether a value is in its kind's range as section 3.2 says.</summary>
    public static bool InRange(SignalKind kind, double value)
    {
        foreach (var row in Kinds.Values)
        {
            if (row.Kind == kind)
            {
                return row.InRange(value);
            }
        }

        return false;
    }

    /// <summary>What the contract says of <paramref name="utf8"/> when the server's clock reads <paramref name="now"/>.</summary>
    public static Payloads.Parsed Expect(byte[] utf8, long now)
    {
        if (utf8.Length > MaxBytes)
        {
            return Rejected(RejectReason.TooLarge);
        }

        try
        {
            StrictUtf8.GetCharCount(utf8);
        }
        catch (DecoderFallbackException)
        {
            return Rejected(RejectReason.NotJson);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8, Strict);
        }
        catch (JsonException)
        {
            return Rejected(RejectReason.NotJson);
        }

        using (document)
        {
            return Validate(document.RootElement, now);
        }
    }

    // Document order (4.2): the first problem met decides, except that a missing member and an empty signals array are
    // only known at the end of the root object, and the clock is looked at last.
    private static Payloads.Parsed Validate(JsonElement root, long now)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return Rejected(RejectReason.BadShape);
        }

        long ts = 0;
        var sawTs = false;
        var sawSignals = false;
        var signals = new List<Signal>();
        foreach (var member in root.EnumerateObject())
        {
            // A repeated member is validated each time and the last one counts (3.1).
            var name = Decode(JsonMarshal.GetRawUtf8PropertyName(member));
            if (name == "ts")
            {
                if (member.Value.ValueKind != JsonValueKind.Number || !TryReadInteger(member.Value, out ts))
                {
                    return Rejected(RejectReason.BadShape);
                }

                if (ts <= 0)
                {
                    return Rejected(RejectReason.OutOfRange);
                }

                sawTs = true;
            }
            else if (name == "signals")
            {
                if (member.Value.ValueKind != JsonValueKind.Array)
                {
                    return Rejected(RejectReason.BadShape);
                }

                signals.Clear();
                foreach (var element in member.Value.EnumerateArray())
                {
                    if (signals.Count == MaxSignals)
                    {
                        return Rejected(RejectReason.SignalCount);
                    }

                    var reason = ValidateSignal(element, out var signal);
                    if (reason != RejectReason.None)
                    {
                        return Rejected(reason);
                    }

                    signals.Add(signal);
                }

                sawSignals = true;
            }
        }

        if (!sawTs || !sawSignals)
        {
            return Rejected(RejectReason.BadShape);
        }

        if (signals.Count == 0)
        {
            return Rejected(RejectReason.SignalCount);
        }

        return ts > now + MaxSkewMs ? Rejected(RejectReason.FutureTimestamp) : new Payloads.Parsed(RejectReason.None, ts, [.. signals]);
    }

    private static RejectReason ValidateSignal(JsonElement element, out Signal signal)
    {
        signal = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            return RejectReason.BadShape;
        }

        string? kind = null;
        double value = 0;
        var sawValue = false;
        foreach (var member in element.EnumerateObject())
        {
            var name = Decode(JsonMarshal.GetRawUtf8PropertyName(member));
            if (name == "kind")
            {
                if (member.Value.ValueKind != JsonValueKind.String)
                {
                    return RejectReason.BadShape;
                }

                kind = StringValue(member.Value);
                if (!Kinds.ContainsKey(kind))
                {
                    return RejectReason.UnknownKind;
                }
            }
            else if (name == "value")
            {
                if (member.Value.ValueKind == JsonValueKind.String)
                {
                    return StringValue(member.Value) is "NaN" or "Infinity" or "-Infinity" ? RejectReason.NotFinite : RejectReason.BadShape;
                }

                if (member.Value.ValueKind != JsonValueKind.Number)
                {
                    return RejectReason.BadShape;
                }

                // .NET rounds to the nearest double and overflows to infinity rather than throwing.
                value = double.Parse(RawText(member.Value), NumberStyles.Float, CultureInfo.InvariantCulture);
                if (!double.IsFinite(value))
                {
                    return RejectReason.NotFinite;
                }

                sawValue = true;
            }
        }

        if (kind is null || !sawValue)
        {
            return RejectReason.BadShape;
        }

        var row = Kinds[kind];
        if (!row.InRange(value))
        {
            return RejectReason.OutOfRange;
        }

        signal = new Signal(row.Kind, value);
        return RejectReason.None;
    }

    /// <summary>A JSON integer (3.1: no fraction, no exponent) that fits in 64 bits.</summary>
    private static bool TryReadInteger(JsonElement number, out long value)
    {
        var text = RawText(number);
        value = 0;
        return JsonInteger().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex JsonInteger();

    private static string RawText(JsonElement element) => Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(element));

    private static string StringValue(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        return Decode(raw[1..^1]);
    }

    /// <summary>Decodes the escapes of RFC 8259 §7 into UTF-16, lone surrogates included.</summary>
    private static string Decode(ReadOnlySpan<byte> raw)
    {
        var text = Encoding.UTF8.GetString(raw);
        if (!text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var decoded = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                decoded.Append(text[i]);
                continue;
            }

            i++;
            switch (text[i])
            {
                case '"': decoded.Append('"'); break;
                case '\\': decoded.Append('\\'); break;
                case '/': decoded.Append('/'); break;
                case 'b': decoded.Append('\b'); break;
                case 'f': decoded.Append('\f'); break;
                case 'n': decoded.Append('\n'); break;
                case 'r': decoded.Append('\r'); break;
                case 't': decoded.Append('\t'); break;
                case 'u':
                    decoded.Append((char)int.Parse(text.AsSpan(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                default: throw new InvalidOperationException($"JsonDocument let the escape \\{text[i]} through.");
            }
        }

        return decoded.ToString();
    }

    private static Payloads.Parsed Rejected(RejectReason reason) => new(reason, 0, []);
}
