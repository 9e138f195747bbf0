using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Pax.Live.Contracts;

namespace Pax.Live.Benchmarks;

/// <summary>
/// The payload parser on a typical 2-signal message, beside the naive way: <see cref="JsonSerializer"/> to objects,
/// then the same validation on strings. One operation is one message.
/// </summary>
[MemoryDiagnoser]
public class ParserBenchmarks
{
    private const long Now = 1_764_161_100_000;

    private static readonly JsonSerializerOptions NaiveOptions = new() { PropertyNameCaseInsensitive = false };

    private readonly Signal[] _signals = new Signal[SignalPayload.MaxSignals];
    private byte[] _payload = null!;
    private ReadOnlySequence<byte> _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _payload = Encoding.UTF8.GetBytes("""{"ts":1764161000123,"signals":[{"kind":"people","value":12},{"kind":"motion","value":0.37}]}""");
        _sequence = new ReadOnlySequence<byte>(_payload);
    }

    /// <summary>What ingest calls: the MQTT payload as a sequence, straight to signals in a span.</summary>
    [Benchmark]
    public int Parse()
    {
        SignalPayload.Parse(_sequence, Now, _signals, out _, out var count);
        return count;
    }

    /// <summary>The naive baseline: deserialize to objects with strings, then validate.</summary>
    [Benchmark(Baseline = true)]
    public int NaiveDeserialize()
    {
        var message = JsonSerializer.Deserialize<NaiveMessage>(_payload, NaiveOptions);
        if (message?.Signals is not { Count: > 0 and <= SignalPayload.MaxSignals } signals || message.Ts <= 0 || message.Ts > Now + SignalPayload.MaxFutureSkewMs)
        {
            return -1;
        }

        var count = 0;
        foreach (var signal in signals)
        {
            if (signal.Kind is null || !SignalKinds.TryParse(signal.Kind, out var kind) || !double.IsFinite(signal.Value) || !kind.IsInRange(signal.Value))
            {
                return -1;
            }

            _signals[count++] = new Signal(kind, signal.Value);
        }

        return count;
    }

    /// <summary>The naive shape of a message.</summary>
    public sealed class NaiveMessage
    {
        [System.Text.Json.Serialization.JsonPropertyName("ts")]
        public long Ts { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("signals")]
        public List<NaiveSignal>? Signals { get; set; }
    }

    /// <summary>The naive shape of a signal.</summary>
    public sealed class NaiveSignal
    {
        [System.Text.Json.Serialization.JsonPropertyName("kind")]
        public string? Kind { get; set; }

        [System.Text.Json.Serialization.JsonPropertyName("value")]
        public double Value { get; set; }
    }
}
