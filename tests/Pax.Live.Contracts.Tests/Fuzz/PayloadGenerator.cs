using System.Globalization;
using System.Text;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>
/// Writes random JSON documents that know the contract's members: mostly the right shape with values at and across the
/// boundaries, often one thing wrong, sometimes anything. Random bytes almost never reach the checks past the syntax;
/// these do, and about a third of them are accepted.
/// </summary>
internal static class PayloadGenerator
{
    private static readonly string[] KindNames = ["motion", "people", "loiter", "sound", "impulse", "fire", "tamper", "report"];

    private static readonly string[] WrongKinds = ["Motion", "smoke", "", "motions", "moti", " motion", "MOTION", "\\uD800", "fire\\u0000"];

    private static readonly string[] Whitespace = ["", "", "", " ", "\n", "\t", "\r\n", "  "];

    public static byte[] Next(Random random)
    {
        var json = new StringBuilder();
        if (random.Next(40) == 0)
        {
            AnyValue(random, json, depth: 1);
        }
        else
        {
            Message(random, json);
        }

        if (random.Next(60) == 0)
        {
            // Padding toward the 4096-byte limit, on both sides of it.
            json.Insert(1, new string(' ', Math.Max(0, SignalPayload.MaxBytes - json.Length - 2 + random.Next(5))));
        }

        return Encoding.UTF8.GetBytes(json.ToString());
    }

    private static void Message(Random random, StringBuilder json)
    {
        var members = new List<Action>();
        if (random.Next(30) != 0)
        {
            members.Add(() => Member(random, json, "ts", () => Timestamp(random, json)));
        }

        if (random.Next(30) != 0)
        {
            members.Add(() => Member(random, json, "signals", () => Signals(random, json)));
        }

        var extra = random.Next(4) == 0 ? 1 + random.Next(3) : 0;
        for (var i = 0; i < extra; i++)
        {
            members.Add(() => Member(random, json, Pick(random, ["fw", "seq", "device", "v", "", "Ts", "signal"]), () => AnyValue(random, json, 2)));
        }

        if (random.Next(20) == 0 && members.Count > 0)
        {
            // A repeated member: each copy is validated, the last counts.
            members.Add(members[random.Next(members.Count)]);
        }

        Shuffle(random, members);
        Object(random, json, members);
    }

    private static void Timestamp(Random random, StringBuilder json)
    {
        var now = Payloads.Now;
        var skew = SignalPayload.MaxFutureSkewMs;
        json.Append(random.Next(30) switch
        {
            0 => Pick(random, ["0", "-1", "-0", "1", "9223372036854775807", "9223372036854775808", "-9223372036854775808"]),
            1 => Invariant($"{now + skew}"),
            2 => Invariant($"{now + skew + 1 + random.Next(1000)}"),
            3 => Invariant($"{now - random.NextInt64(now)}"),
            4 => Pick(random, ["1764161000123.0", "1.764161000123e12", "1e3", "\"1764161000123\"", "null", "true", "[]", "{}"]),
            5 => Invariant($"{random.NextInt64(long.MinValue, long.MaxValue)}"),
            _ => Invariant($"{now - random.Next(600_000) + random.Next(400_000)}"),
        });
    }

    private static void Signals(Random random, StringBuilder json)
    {
        if (random.Next(40) == 0)
        {
            AnyValue(random, json, 2);
            return;
        }

        var count = random.Next(20) switch
        {
            0 => 0,
            1 => SignalPayload.MaxSignals - 1 + random.Next(3),
            2 => random.Next(70),
            _ => 1 + random.Next(4),
        };
        json.Append('[');
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                json.Append(',').Append(Pick(random, Whitespace));
            }

            if (random.Next(60) == 0)
            {
                AnyValue(random, json, 3);
            }
            else
            {
                Signal(random, json);
            }
        }

        json.Append(']');
    }

    private static void Signal(Random random, StringBuilder json)
    {
        var kind = random.Next(25) == 0 ? Pick(random, WrongKinds) : Pick(random, KindNames);
        var members = new List<Action>();
        if (random.Next(40) != 0)
        {
            members.Add(() => Member(random, json, "kind", () => Kind(random, json, kind)));
        }

        if (random.Next(40) != 0)
        {
            members.Add(() => Member(random, json, "value", () => Value(random, json, kind)));
        }

        if (random.Next(8) == 0)
        {
            members.Add(() => Member(random, json, Pick(random, ["zone", "conf", "Kind", "values", "box"]), () => AnyValue(random, json, 4)));
        }

        if (random.Next(40) == 0 && members.Count > 0)
        {
            members.Add(members[random.Next(members.Count)]);
        }

        Shuffle(random, members);
        Object(random, json, members);
    }

    private static void Kind(Random random, StringBuilder json, string kind)
    {
        if (random.Next(40) == 0)
        {
            json.Append(Pick(random, ["6", "null", "true", "[\"motion\"]", "{}"]));
            return;
        }

        json.Append('"').Append(random.Next(10) == 0 ? Escape(random, kind) : kind).Append('"');
    }

    private static void Value(Random random, StringBuilder json, string kind)
    {
        json.Append(random.Next(30) switch
        {
            0 => Pick(random, ["\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"N\\u0061N\"", "\"nan\"", "\"0.5\"", "\"\\uD800\"", "null", "true", "[0.5]", "{}"]),
            1 => Pick(random, ["1e400", "-1e400", "1e309", "1e-400", "-0", "-0.0", "5e-324", "1.7976931348623157e308"]),
            2 => Invariant($"{random.NextDouble() * 200_000 - 50_000:R}"),
            3 => Invariant($"{random.Next(-2, 100_003)}"),
            4 => Invariant($"{random.Next(-5, 10)}e{random.Next(-3, 4)}"),
            _ => InRangeOrNear(random, kind),
        });
    }

    /// <summary>A value at, inside or just outside the kind's range in section 3.2.</summary>
    private static string InRangeOrNear(Random random, string kind)
    {
        var edge = random.Next(4) == 0;
        return kind switch
        {
            "motion" or "fire" => edge ? Pick(random, ["0", "1", "1.0", "1.0000000000000002", "-0.0001"]) : Invariant($"{random.NextDouble():R}"),
            "people" => edge ? Pick(random, ["0", "100000", "100000.0", "100001", "2.5", "-1"]) : Invariant($"{random.Next(100_001)}"),
            "loiter" => edge ? Pick(random, ["0", "86400", "86400.0001", "-0.5"]) : Invariant($"{random.NextDouble() * 86_400:R}"),
            "sound" => edge ? Pick(random, ["0", "194", "194.0000001", "195"]) : Invariant($"{random.NextDouble() * 194:R}"),
            "impulse" or "tamper" => edge ? Pick(random, ["1.0", "0e0", "-0", "2", "0.5", "-1"]) : Pick(random, ["0", "1"]),
            "report" => edge ? Pick(random, ["3.0", "1e0", "0", "4", "2.5"]) : Pick(random, ["1", "2", "3"]),
            _ => Invariant($"{random.NextDouble():R}"),
        };
    }

    private static void AnyValue(Random random, StringBuilder json, int depth)
    {
        // Up to ten levels, past the contract's eight.
        var kind = depth >= 10 ? random.Next(5) : random.Next(8);
        switch (kind)
        {
            case 0: json.Append(Pick(random, ["null", "true", "false"])); break;
            case 1: json.Append(Invariant($"{random.NextDouble() * 1e6:R}")); break;
            case 2: json.Append(Pick(random, ["-0", "1e400", "0", "12345678901234567890123"])); break;
            case 3: json.Append('"').Append(Escape(random, Pick(random, ["x", "södra ✓", "signals", "ts", "\\uD800", ""]))).Append('"'); break;
            case 4: json.Append("\"\\u0000\\n\\\"\\\\\\/\""); break;
            case 5 or 6:
                json.Append('[');
                var length = random.Next(4);
                for (var i = 0; i < length; i++)
                {
                    if (i > 0)
                    {
                        json.Append(',');
                    }

                    AnyValue(random, json, depth + 1);
                }

                json.Append(']');
                break;
            default:
                var members = new List<Action>();
                var count = random.Next(3);
                for (var i = 0; i < count; i++)
                {
                    members.Add(() => Member(random, json, Pick(random, ["a", "kind", "value", "ts", "signals"]), () => AnyValue(random, json, depth + 1)));
                }

                Object(random, json, members);
                break;
        }
    }

    private static void Object(Random random, StringBuilder json, List<Action> members)
    {
        json.Append('{');
        for (var i = 0; i < members.Count; i++)
        {
            if (i > 0)
            {
                json.Append(',');
            }

            json.Append(Pick(random, Whitespace));
            members[i]();
        }

        json.Append(Pick(random, Whitespace)).Append('}');
    }

    private static void Member(Random random, StringBuilder json, string name, Action value)
    {
        json.Append('"').Append(random.Next(12) == 0 ? Escape(random, name) : name).Append('"')
            .Append(Pick(random, Whitespace)).Append(':').Append(Pick(random, Whitespace));
        value();
    }

    /// <summary>Writes some characters as <c>\uXXXX</c>, in either case of hex digit, which means the same text.</summary>
    private static string Escape(Random random, string text)
    {
        if (text.Contains('\\', StringComparison.Ordinal))
        {
            return text;
        }

        var escaped = new StringBuilder();
        foreach (var c in text)
        {
            if (random.Next(2) == 0)
            {
                escaped.Append(random.Next(2) == 0 ? Invariant($"\\u{(int)c:X4}") : Invariant($"\\u{(int)c:x4}"));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    private static void Shuffle<T>(Random random, List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
