using BenchmarkDotNet.Attributes;
using Pax.Live.Aggregation;
using Pax.Live.Contracts;

namespace Pax.Live.Benchmarks;

/// <summary>
/// The aggregation core alone: <see cref="PlaceAggregator.Record"/> as a place's grain calls it for each reading of a
/// batch. One operation is one signal; the memory column is bytes per signal.
/// </summary>
[MemoryDiagnoser]
public class CoreBenchmarks
{
    /// <summary>Signals per invocation: the benchmark reports per signal.</summary>
    public const int Signals = 65_536;

    private const long T0 = 1_764_161_000_000;

    private readonly SignalKind[] _kinds = new SignalKind[Signals];
    private readonly double[] _values = new double[Signals];
    private PlaceAggregator _place = null!;
    private PlaceAggregator[] _places = null!;
    private long _now;
    private PlaceRules _rules = PlaceRules.Default;

    /// <summary>Readings as devices send them: mostly periodic kinds, a rare impulse; the clock advances 1 ms per 4.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        for (var i = 0; i < Signals; i++)
        {
            var kind = (SignalKind)(i % 4);
            _kinds[i] = i % 4096 == 4095 ? SignalKind.Impulse : kind;
            _values[i] = kind switch
            {
                SignalKind.Motion => random.NextDouble(),
                SignalKind.People => random.Next(0, 50),
                SignalKind.Loiter => random.Next(0, 600),
                _ => 40 + (random.NextDouble() * 50),
            };
            if (_kinds[i] == SignalKind.Impulse)
            {
                _values[i] = 1;
            }
        }

        var rules = PlaceRules.Default with { MotionThreshold = 0.5, PeopleThreshold = 40, SoundThreshold = 85 };
        _rules = rules;
        _now = T0;
        _place = new PlaceAggregator(rules, _now);
        _places = new PlaceAggregator[1024];
        for (var i = 0; i < _places.Length; i++)
        {
            _places[i] = new PlaceAggregator(rules, _now);
        }
    }

    /// <summary>One place takes every signal: the grain's loop over a large batch.</summary>
    [Benchmark(OperationsPerInvoke = Signals)]
    public int RecordOnePlace()
    {
        var place = _place;
        var kinds = _kinds;
        var values = _values;
        var now = _now;
        var raised = 0;
        for (var i = 0; i < kinds.Length; i++)
        {
            now += i & 1 & (i >> 1);
            raised += (int)place.Record(kinds[i], values[i], now, now);
        }

        _now = now;
        return raised;
    }

    /// <summary>
    /// 1,024 places take batches of 4 signals in turn: the state of each place is cold in cache, as it is on a server
    /// with many places, and the window buckets roll over as they do in real time.
    /// </summary>
    [Benchmark(OperationsPerInvoke = Signals)]
    public int RecordManyPlaces()
    {
        var places = _places;
        var kinds = _kinds;
        var values = _values;
        var now = _now;
        var raised = 0;
        for (var i = 0; i < kinds.Length; i += 4)
        {
            var place = places[(i >> 2) & (places.Length - 1)];
            now++;
            raised += (int)place.Record(kinds[i], values[i], now, now);
            raised += (int)place.Record(kinds[i + 1], values[i + 1], now, now);
            raised += (int)place.Record(kinds[i + 2], values[i + 2], now, now);
            raised += (int)place.Record(kinds[i + 3], values[i + 3], now, now);
        }

        _now = now;
        return raised;
    }

    /// <summary>
    /// The core's memory per place, as the allocated column: a new place that has heard the four periodic kinds and
    /// learned a bucket of each (window rings and hour-of-week baselines allocated), so its state is complete.
    /// </summary>
    [Benchmark]
    public PlaceAggregator PlaceFootprint()
    {
        var place = new PlaceAggregator(_rules, T0);
        for (var k = SignalKind.Motion; k <= SignalKind.Sound; k++)
        {
            place.Record(k, 1, T0, T0);
            place.Record(k, 1, T0 + 5_000, T0 + 5_000);
        }

        return place;
    }

    /// <summary>The level step the grain runs once per batch, measured per call.</summary>
    [Benchmark]
    public bool Evaluate() => _place.Evaluate(_now);
}
