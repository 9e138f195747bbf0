using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Xunit.Abstractions;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>
/// Hostile payloads (issue 8): whatever the bytes, <see cref="SignalPayload.Parse(ReadOnlySpan{byte}, long, Span{Signal}, out long, out int)"/>
/// returns, contiguous and in segments alike, the verdict docs/protocol.md gives (checked against <see cref="PayloadOracle"/>),
/// and allocates nothing unless the JSON is broken.
/// </summary>
public sealed class SignalPayloadFuzzTests(ITestOutputHelper output)
{
    private const long Now = Payloads.Now;

    private static readonly RejectReason[] PayloadReasons =
    [
        RejectReason.TooLarge, RejectReason.NotJson, RejectReason.BadShape, RejectReason.UnknownKind, RejectReason.NotFinite,
        RejectReason.OutOfRange, RejectReason.SignalCount, RejectReason.FutureTimestamp,
    ];

    private static readonly Lazy<(List<AllocationInput> WellFormed, List<AllocationInput> Broken)> AllocationInputs = new(PrepareAllocationInputs);

    private static readonly byte[] JsonAlphabet = "{}[]:,\"\\ 0123456789.-+eEtsignalkdvumoprfNIy\n\u00e9"u8.ToArray();

    [Fact]
    public void SeedPayloadsGetTheReasonTheirNameSays()
    {
        var run = new FuzzRun(nameof(SeedPayloadsGetTheReasonTheirNameSays), salt: 0);
        Assert.True(Corpus.Signals.Count > 100, "the corpus was not copied next to the tests");
        for (var i = 0; i < Corpus.Signals.Count; i++)
        {
            var (name, bytes) = Corpus.Signals[i];
            var expected = ReasonOfSeed(name);
            var actual = Check(run, i, name, bytes);
            var oracle = PayloadOracle.Expect(bytes, Now).Reason;
            if (actual != expected || oracle != expected)
            {
                run.Fail(i, name, $"the name says {expected.Name()}, the parser {actual.Name()}, the oracle {oracle.Name()}", bytes);
            }
        }

        run.AssertNoFailures();
    }

    [Fact]
    public void RandomBytesGetTheContractsVerdict()
    {
        var run = new FuzzRun(nameof(RandomBytesGetTheContractsVerdict), salt: 1);
        var cases = FuzzRun.Cases(3000);
        var reasons = Run(run, cases, (random, _) =>
        {
            var length = random.Next(10) switch
            {
                0 => random.Next(SignalPayload.MaxBytes - 8, SignalPayload.MaxBytes + 8),
                1 or 2 => random.Next(1024),
                _ => random.Next(48),
            };
            var bytes = new byte[length];
            if (random.Next(2) == 0)
            {
                random.NextBytes(bytes);
            }
            else
            {
                for (var i = 0; i < bytes.Length; i++)
                {
                    bytes[i] = JsonAlphabet[random.Next(JsonAlphabet.Length)];
                }
            }

            return ("random", bytes);
        });

        Assert.True(reasons[(int)RejectReason.NotJson] > cases / 2);
    }

    [Fact]
    public void MutatedSeedsGetTheContractsVerdict()
    {
        var run = new FuzzRun(nameof(MutatedSeedsGetTheContractsVerdict), salt: 2);
        var reasons = Run(run, FuzzRun.Cases(6000), (random, _) => Mutated(random));

        // Not vacuous: the mutations reach past the syntax check, and some still pass.
        Assert.True(reasons[(int)RejectReason.None] > 40, Histogram(reasons));
        AssertEveryPayloadReasonSeen(reasons);
    }

    [Fact]
    public void GeneratedDocumentsGetTheContractsVerdict()
    {
        var run = new FuzzRun(nameof(GeneratedDocumentsGetTheContractsVerdict), salt: 3);
        var cases = FuzzRun.Cases(6000);
        var reasons = Run(run, cases, (random, _) => ("generated", PayloadGenerator.Next(random)));

        Assert.True(reasons[(int)RejectReason.None] > cases / 6, Histogram(reasons));
        AssertEveryPayloadReasonSeen(reasons);
    }

    [Fact]
    public void ParsingWellFormedFuzzInputsAllocatesNothing()
    {
        var run = new FuzzRun(nameof(ParsingWellFormedFuzzInputsAllocatesNothing), salt: 4);
        var inputs = AllocationInputs.Value.WellFormed;
        var destination = new Signal[SignalPayload.MaxSignals];
        ParseAll(inputs, destination);

        var before = GC.GetAllocatedBytesForCurrentThread();
        ParseAll(inputs, destination);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine(Invariant($"seed {FuzzRun.Seed}: {inputs.Count} inputs, each parsed contiguous and in segments, allocated {allocated} bytes"));
        if (allocated != 0)
        {
            for (var i = 0; i < inputs.Count; i++)
            {
                var one = GC.GetAllocatedBytesForCurrentThread();
                ParseOne(inputs[i], destination);
                var bytes = GC.GetAllocatedBytesForCurrentThread() - one;
                if (bytes != 0)
                {
                    run.Fail(i, "allocation", Invariant($"allocated {bytes} bytes"), inputs[i].Bytes);
                }
            }
        }

        Assert.True(inputs.Count > 2000);
        run.AssertNoFailures();
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void ParsingBrokenJsonAllocatesOnlyTheReadersExceptionWhateverTheInput()
    {
        // The reader reports a syntax error by throwing, so each not_json costs one exception (invalid UTF-8 and
        // oversize are found without one). Usually 1-3 KB; but the reader quotes an invalid literal in its message up
        // to the end of the input ("tr" and 4 KB of spaces: about 25 KB a parse), so the bound rests on the 4 KiB limit.
        const int Bound = 2 * 32 * 1024;
        var run = new FuzzRun(nameof(ParsingBrokenJsonAllocatesOnlyTheReadersExceptionWhateverTheInput), salt: 5);
        var broken = AllocationInputs.Value.Broken;
        var destination = new Signal[SignalPayload.MaxSignals];
        ParseAll(broken, destination);

        long most = 0;
        long total = 0;
        for (var i = 0; i < broken.Count; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            ParseOne(broken[i], destination);
            var bytes = GC.GetAllocatedBytesForCurrentThread() - before;
            total += bytes;
            most = Math.Max(most, bytes);
            if (bytes > Bound)
            {
                run.Fail(i, "allocation", Invariant($"allocated {bytes} bytes for two parses"), broken[i].Bytes);
            }
        }

        output.WriteLine(Invariant($"seed {FuzzRun.Seed}: {broken.Count} broken inputs, two parses each: at most {most} bytes, {total / Math.Max(1, broken.Count)} on average"));
        Assert.True(broken.Count > 500);
        run.AssertNoFailures();
    }

    /// <summary>Runs <paramref name="cases"/> inputs through <see cref="Check"/> and prints what they came to.</summary>
    private int[] Run(FuzzRun run, int cases, Func<Random, int, (string Origin, byte[] Bytes)> next)
    {
        var reasons = new int[RejectReasons.Count];
        var clock = Stopwatch.StartNew();
        var generating = new Stopwatch();
        for (var i = 0; i < cases; i++)
        {
            generating.Start();
            var (origin, bytes) = next(run.Random, i);
            generating.Stop();
            reasons[(int)Check(run, i, origin, bytes)]++;
        }

        output.WriteLine(Invariant(
            $"seed {FuzzRun.Seed}: {cases} cases in {clock.ElapsedMilliseconds} ms ({generating.ElapsedMilliseconds} ms making them); {Histogram(reasons)}"));
        run.AssertNoFailures();
        return reasons;
    }

    /// <summary>
    /// Parses one input contiguous and split at random points, and holds both results to the contract: no exception,
    /// the same verdict twice, the oracle's verdict, and an accepted message within every limit of section 3.
    /// </summary>
    private static RejectReason Check(FuzzRun run, int caseIndex, string origin, byte[] input)
    {
        Payloads.Parsed contiguous;
        Payloads.Parsed segmented;
        var cuts = RandomCuts(run.Random, input.Length);
        try
        {
            contiguous = Payloads.Parse(input, Now);
            segmented = Payloads.Parse(Payloads.Segmented(input, cuts), Now);
        }
        catch (Exception exception)
        {
            run.Fail(caseIndex, origin, $"{exception.GetType().Name} escaped the parser: {exception.Message}", input);
            return RejectReason.None;
        }

        if (!SameResult(contiguous, segmented))
        {
            run.Fail(caseIndex, origin, $"contiguous {Describe(contiguous)} but cut at {string.Join(',', cuts)} {Describe(segmented)}", input);
        }

        if (Violation(contiguous) is { } violation)
        {
            run.Fail(caseIndex, origin, $"{Describe(contiguous)}: {violation}", input);
        }

        var expected = PayloadOracle.Expect(input, Now);
        if (expected.Reason != contiguous.Reason
            || (expected.Reason == RejectReason.None && !SameResult(expected, contiguous)))
        {
            run.Fail(caseIndex, origin, $"the parser says {Describe(contiguous)}, the oracle {Describe(expected)}", input);
        }

        return contiguous.Reason;
    }

    /// <summary>What section 3 forbids in any result, whatever the input was.</summary>
    private static string? Violation(Payloads.Parsed parsed)
    {
        if (parsed.Reason != RejectReason.None)
        {
            return Array.IndexOf(PayloadReasons, parsed.Reason) < 0 ? "a reason that is not a payload's"
                : parsed.Signals.Length != 0 ? "signals reported with a rejection"
                : null;
        }

        if (parsed.Signals.Length is 0 or > 64)
        {
            return "accepted with a signal count outside 1..64";
        }

        if (parsed.Timestamp <= 0 || parsed.Timestamp > Now + 300_000)
        {
            return "accepted with ts not in (0, now + 5 min]";
        }

        foreach (var signal in parsed.Signals)
        {
            if (!Enum.IsDefined(signal.Kind) || !double.IsFinite(signal.Value) || !PayloadOracle.InRange(signal.Kind, signal.Value))
            {
                return $"accepted {signal}, outside section 3.2";
            }
        }

        return null;
    }

    private static bool SameResult(Payloads.Parsed a, Payloads.Parsed b)
    {
        if (a.Reason != b.Reason || a.Timestamp != b.Timestamp || a.Signals.Length != b.Signals.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Signals.Length; i++)
        {
            // Bit for bit: -0 and 0 are equal as doubles but not the same reading of the text.
            if (a.Signals[i].Kind != b.Signals[i].Kind
                || BitConverter.DoubleToInt64Bits(a.Signals[i].Value) != BitConverter.DoubleToInt64Bits(b.Signals[i].Value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>One to four cut points, empty segments allowed, so the sequence always has several segments.</summary>
    private static int[] RandomCuts(Random random, int length)
    {
        var cuts = new int[1 + random.Next(4)];
        for (var i = 0; i < cuts.Length; i++)
        {
            cuts[i] = random.Next(length + 1);
        }

        Array.Sort(cuts);
        return cuts;
    }

    private static (string Origin, byte[] Bytes) Mutated(Random random)
    {
        var seed = Corpus.Signals[random.Next(Corpus.Signals.Count)];
        var other = Corpus.Signals[random.Next(Corpus.Signals.Count)];
        var bytes = Mutator.Mutate(random, seed.Bytes, other.Bytes, out var how);
        return ($"{seed.Name} {how}", bytes);
    }

    /// <summary>
    /// Inputs for the allocation tests, each with a multi-segment copy made beforehand: the corpus and thousands of mutated
    /// and generated ones, split by whether the oracle finds them broken JSON (in valid UTF-8, within the size limit).
    /// </summary>
    private static (List<AllocationInput> WellFormed, List<AllocationInput> Broken) PrepareAllocationInputs()
    {
        var run = new FuzzRun(nameof(PrepareAllocationInputs), salt: 4);
        var wellFormed = new List<AllocationInput>();
        var broken = new List<AllocationInput>();
        var inputs = new List<byte[]>();
        foreach (var (_, bytes) in Corpus.Signals)
        {
            inputs.Add(bytes);
        }

        var cases = FuzzRun.Cases(2000);
        for (var i = 0; i < cases; i++)
        {
            inputs.Add(Mutated(run.Random).Bytes);
            inputs.Add(PayloadGenerator.Next(run.Random));
        }

        foreach (var bytes in inputs)
        {
            var input = new AllocationInput(bytes, Payloads.Segmented(bytes, RandomCuts(run.Random, bytes.Length)));
            var syntaxError = PayloadOracle.Expect(bytes, Now).Reason == RejectReason.NotJson
                && bytes.Length <= SignalPayload.MaxBytes
                && System.Text.Unicode.Utf8.IsValid(bytes);
            (syntaxError ? broken : wellFormed).Add(input);
        }

        return (wellFormed, broken);
    }

    private static void ParseAll(List<AllocationInput> inputs, Signal[] destination)
    {
        foreach (var input in inputs)
        {
            ParseOne(input, destination);
        }
    }

    private static void ParseOne(AllocationInput input, Signal[] destination)
    {
        SignalPayload.Parse(input.Bytes, Now, destination, out _, out _);
        SignalPayload.Parse(input.Segments, Now, destination, out _, out _);
    }

    private static void AssertEveryPayloadReasonSeen(int[] reasons)
    {
        foreach (var reason in PayloadReasons)
        {
            Assert.True(reasons[(int)reason] > 0, $"no case came to {reason.Name()}: {Histogram(reasons)}");
        }
    }

    private static RejectReason ReasonOfSeed(string name) => name[..name.IndexOf('-', StringComparison.Ordinal)] switch
    {
        "ok" => RejectReason.None,
        "nj" => RejectReason.NotJson,
        "bs" => RejectReason.BadShape,
        "uk" => RejectReason.UnknownKind,
        "nf" => RejectReason.NotFinite,
        "oor" => RejectReason.OutOfRange,
        "sc" => RejectReason.SignalCount,
        "ft" => RejectReason.FutureTimestamp,
        "tl" => RejectReason.TooLarge,
        var prefix => throw new InvalidOperationException($"Corpus file {name}: unknown prefix {prefix}; see Fuzz/corpus/README.md."),
    };

    private static string Describe(Payloads.Parsed parsed) =>
        parsed.Reason != RejectReason.None
            ? parsed.Reason.Name()
            : Invariant($"accepted ts {parsed.Timestamp} [{string.Join(", ", parsed.Signals.Select(s => Invariant($"{s.Kind.Name()} {s.Value:R}")))}]");

    private static string Histogram(int[] reasons)
    {
        var parts = new StringBuilder();
        for (var i = 0; i < reasons.Length; i++)
        {
            if (reasons[i] > 0)
            {
                parts.Append(Invariant($"{((RejectReason)i).Name()} {reasons[i]}, "));
            }
        }

        return parts.ToString().TrimEnd(',', ' ');
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record AllocationInput(byte[] Bytes, ReadOnlySequence<byte> Segments);
}
