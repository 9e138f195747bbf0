using System.Text;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>Byte-level mutations of seed inputs, as a coverage-blind fuzzer (radamsa, AFL's havoc stage) makes them.</summary>
internal static class Mutator
{
    /// <summary>Bytes that change what a JSON or UTF-8 reader does next.</summary>
    private static readonly byte[] InterestingBytes = "\0\"\\/{}[]:,-+.0159eEnNtfu \t\r\n"u8.ToArray()
        .Concat(new byte[] { 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC3, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFE, 0xFF })
        .ToArray();

    /// <summary>Number texts at and across the contract's boundaries, and some a number parser may choke on.</summary>
    private static readonly string[] BoundaryNumbers =
    [
        "0", "-0", "1", "-1", "0.5", "2", "3", "4", "12.0", "0.0", "-0.0", "1e0", "1E+0", "10e-1", "1.0000000000000002",
        "0.9999999999999999", "100000", "100001", "99999.5", "86400", "86400.0001", "194", "194.00000000001", "195",
        "1e308", "1.7976931348623157e308", "1.7976931348623159e308", "1e309", "1e400", "-1e400", "1e-400", "5e-324",
        "4.9406564584124654e-324", "2.2250738585072014e-308", "9007199254740993", "9223372036854775807",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616", "1e99999999999",
        "1764161000123", "1764161400000", "1764161400001", "1764161000", "0.1e1", "1." + new string('0', 300),
        new string('9', 400), "00", "01", "+1", ".5", "5.", "1e", "-", "NaN", "Infinity", "-Infinity", "0x10", "1_000",
    ];

    /// <summary>String texts, escaped as they would appear between the quotes.</summary>
    private static readonly string[] BoundaryStrings =
    [
        "motion", "people", "loiter", "sound", "impulse", "fire", "tamper", "report", "ts", "signals", "kind", "value",
        "Motion", "smoke", "", " ", "\\u006dotion", "\\u0074s", "\\u006bind", "v\\u0061lue", "signal\\u0073", "NaN",
        "Infinity", "-Infinity", "N\\u0061N", "\\uD800", "\\uDC00", "\\uD83D\\uDE00", "\\u0000", "\\\"", "\\\\", "\\/",
        "\\n", "motion\\u0000", "Ꮇotion", "ｍotion", "\\uFEFFmotion",
    ];

    /// <summary>One to three mutations of <paramref name="seed"/>, sometimes spliced with <paramref name="other"/>.</summary>
    public static byte[] Mutate(Random random, byte[] seed, byte[] other, out string how)
    {
        var bytes = new List<byte>(seed);
        var steps = new StringBuilder();
        var rounds = 1 + random.Next(3);
        for (var round = 0; round < rounds; round++)
        {
            if (steps.Length > 0)
            {
                steps.Append('+');
            }

            steps.Append(MutateOnce(random, bytes, other));
        }

        how = steps.ToString();
        return [.. bytes];
    }

    private static string MutateOnce(Random random, List<byte> bytes, byte[] other)
    {
        switch (random.Next(11))
        {
            case 0 when bytes.Count > 0:
                var bit = random.Next(bytes.Count * 8);
                bytes[bit / 8] ^= (byte)(1 << (bit % 8));
                return "flip";
            case 1 when bytes.Count > 0:
                bytes[random.Next(bytes.Count)] = Pick(random, InterestingBytes);
                return "set";
            case 2:
                bytes.Insert(random.Next(bytes.Count + 1), random.Next(2) == 0 ? Pick(random, InterestingBytes) : (byte)random.Next(256));
                return "insert";
            case 3 when bytes.Count > 0:
                var start = random.Next(bytes.Count);
                bytes.RemoveRange(start, 1 + random.Next(Math.Min(16, bytes.Count - start)));
                return "delete";
            case 4 when bytes.Count > 0:
                var from = random.Next(bytes.Count);
                var chunk = bytes.GetRange(from, 1 + random.Next(Math.Min(64, bytes.Count - from)));
                var times = random.Next(8) == 0 ? 1 + random.Next(64) : 1;
                for (var i = 0; i < times; i++)
                {
                    bytes.InsertRange(from, chunk);
                }

                return "duplicate";
            case 5:
                var cutHere = random.Next(bytes.Count + 1);
                var cutThere = random.Next(other.Length + 1);
                bytes.RemoveRange(cutHere, bytes.Count - cutHere);
                bytes.AddRange(other.AsSpan(cutThere).ToArray());
                return "splice";
            case 6 or 7:
                return ReplaceNumber(random, bytes, Pick(random, BoundaryNumbers)) ? "number" : "number(none)";
            case 8:
                return ReplaceString(random, bytes) ? "string" : "string(none)";
            case 9 when bytes.Count > 0:
                var keep = random.Next(bytes.Count);
                bytes.RemoveRange(keep, bytes.Count - keep);
                return "truncate";
            default:
                // Structure that readers count: nesting, separators and whitespace.
                var text = Pick(random, ["[", "]", "{", "}", ",", ":", "\"", "{\"a\":", "[[[[[[[[", "]]]]]]]]", "null", ",{}", "\\u", "\uFEFF", "\u00A0"]);
                bytes.InsertRange(random.Next(bytes.Count + 1), Encoding.UTF8.GetBytes(text));
                return "structure";
        }
    }

    /// <summary>Replaces a random number token: a digit or minus sign not inside a word, and what follows it of a number.</summary>
    private static bool ReplaceNumber(Random random, List<byte> bytes, string replacement)
    {
        var starts = new List<int>();
        for (var i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] is (>= (byte)'0' and <= (byte)'9') or (byte)'-' && (i == 0 || !IsNumberByte(bytes[i - 1]) && !char.IsAsciiLetter((char)bytes[i - 1])))
            {
                starts.Add(i);
            }
        }

        if (starts.Count == 0)
        {
            return false;
        }

        var start = starts[random.Next(starts.Count)];
        var end = start + 1;
        while (end < bytes.Count && IsNumberByte(bytes[end]))
        {
            end++;
        }

        bytes.RemoveRange(start, end - start);
        bytes.InsertRange(start, Encoding.UTF8.GetBytes(replacement));
        return true;
    }

    /// <summary>Replaces the contents of a random string (or member name) between two quotes.</summary>
    private static bool ReplaceString(Random random, List<byte> bytes)
    {
        var quotes = new List<int>();
        for (var i = 0; i < bytes.Count; i++)
        {
            if (bytes[i] == '"' && (i == 0 || bytes[i - 1] != '\\'))
            {
                quotes.Add(i);
            }
        }

        if (quotes.Count < 2)
        {
            return false;
        }

        var pair = random.Next(quotes.Count / 2) * 2;
        var start = quotes[pair] + 1;
        bytes.RemoveRange(start, quotes[pair + 1] - start);
        bytes.InsertRange(start, Encoding.UTF8.GetBytes(Pick(random, BoundaryStrings)));
        return true;
    }

    private static bool IsNumberByte(byte b) => b is (>= (byte)'0' and <= (byte)'9') or (byte)'-' or (byte)'+' or (byte)'.' or (byte)'e' or (byte)'E';

    public static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
