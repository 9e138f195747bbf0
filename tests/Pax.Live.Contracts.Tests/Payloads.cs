using System.Buffers;
using System.Globalization;
using System.Text;

namespace Pax.Live.Contracts.Tests;

/// <summary>Builds payloads and parses them the way ingest does.</summary>
internal static class Payloads
{
    /// <summary>The server's clock in these tests, Unix ms.</summary>
    public const long Now = 1_764_161_100_000;

    /// <summary>A device timestamp 99.877 s before <see cref="Now"/>.</summary>
    public const long Ts = 1_764_161_000_123;

    /// <summary>One signal object with the value written as raw JSON (so <c>1e999</c> or <c>"NaN"</c> can be sent).</summary>
    public static string Signal(string kind, string valueJson) => $$"""{"kind":"{{kind}}","value":{{valueJson}}}""";

    /// <summary>A message with the given timestamp and signal objects.</summary>
    public static string Message(long ts, params string[] signals) =>
        string.Create(CultureInfo.InvariantCulture, $$"""{"ts":{{ts}},"signals":[{{string.Join(',', signals)}}]}""");

    /// <summary>A message stamped <see cref="Ts"/>.</summary>
    public static string Message(params string[] signals) => Message(Ts, signals);

    /// <summary>A valid one-signal message padded with spaces inside the root object to exactly <paramref name="bytes"/> bytes.</summary>
    public static byte[] Padded(int bytes)
    {
        var core = Message(Signal("motion", "0.5"));
        var padding = new string(' ', bytes - Encoding.UTF8.GetByteCount(core));
        var json = string.Concat("{", padding, core.AsSpan(1));
        var utf8 = Encoding.UTF8.GetBytes(json);
        Assert.Equal(bytes, utf8.Length);
        return utf8;
    }

    /// <summary>The result of one parse: the reason, the timestamp, and the signals written (exactly <c>count</c> of them).</summary>
    public readonly record struct Parsed(RejectReason Reason, long Timestamp, Signal[] Signals);

    public static Parsed Parse(byte[] utf8, long nowUnixMs = Now)
    {
        var destination = new Signal[SignalPayload.MaxSignals];
        var reason = SignalPayload.Parse(utf8, nowUnixMs, destination, out var timestamp, out var count);
        return new Parsed(reason, timestamp, destination[..count]);
    }

    public static Parsed Parse(string json, long nowUnixMs = Now) => Parse(Encoding.UTF8.GetBytes(json), nowUnixMs);

    public static Parsed Parse(ReadOnlySequence<byte> payload, long nowUnixMs = Now)
    {
        var destination = new Signal[SignalPayload.MaxSignals];
        var reason = SignalPayload.Parse(payload, nowUnixMs, destination, out var timestamp, out var count);
        return new Parsed(reason, timestamp, destination[..count]);
    }

    /// <summary>Asserts a rejection: the reason, and that no signal is reported.</summary>
    public static void AssertRejected(RejectReason expected, string json)
    {
        var parsed = Parse(json);
        Assert.Equal(expected, parsed.Reason);
        Assert.Empty(parsed.Signals);
    }

    /// <summary>A payload split into segments at the given offsets, as MQTT may hand it over.</summary>
    public static ReadOnlySequence<byte> Segmented(byte[] utf8, params int[] cuts)
    {
        var first = new Segment(utf8.AsMemory(0, cuts[0]));
        var last = first;
        for (var i = 0; i < cuts.Length; i++)
        {
            var end = i + 1 < cuts.Length ? cuts[i + 1] : utf8.Length;
            last = last.Append(utf8.AsMemory(cuts[i], end - cuts[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory) { RunningIndex = RunningIndex + Memory.Length };
            Next = next;
            return next;
        }
    }
}
