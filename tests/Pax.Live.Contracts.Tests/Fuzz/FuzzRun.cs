using System.Globalization;
using System.Text;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>
/// The seed and size of a fuzz run, and the record of what went wrong in it. Every run uses <see cref="DefaultSeed"/>
/// so that CI is repeatable; <c>PAX_FUZZ_SEED</c> and <c>PAX_FUZZ_SCALE</c> explore further on demand, e.g.
/// <c>PAX_FUZZ_SEED=7 PAX_FUZZ_SCALE=50 dotnet test tests/Pax.Live.Contracts.Tests -c Release --filter Fuzz</c>.
/// </summary>
internal sealed class FuzzRun(string name, int salt)
{
    public const int DefaultSeed = 20_261_126;

    private const int MaxReported = 10;

    private const int MaxReportedInFull = 3;

    private readonly List<string> _failures = [];
    private int _failureCount;

    /// <summary>The seed of this run, printed with every failure so that it can be replayed.</summary>
    public static int Seed { get; } = ReadSetting("PAX_FUZZ_SEED", DefaultSeed);

    /// <summary>Multiplies the number of cases; 1 in CI.</summary>
    public static int Scale { get; } = Math.Max(1, ReadSetting("PAX_FUZZ_SCALE", 1));

    /// <summary>A generator of its own per test, so that adding cases to one test does not change another's.</summary>
    public Random Random { get; } = new(unchecked(Seed + salt));

    public static int Cases(int perRun) => perRun * Scale;

    /// <summary>Records a failed case; the first few are reported in full with the input as hex.</summary>
    public void Fail(int caseIndex, string origin, string problem, ReadOnlySpan<byte> input)
    {
        _failureCount++;
        if (_failures.Count < MaxReported)
        {
            // In full for the first few, so that the input can be replayed without the generator.
            var hex = _failures.Count < MaxReportedInFull ? Convert.ToHexString(input) : "(see the first ones)";
            _failures.Add(string.Create(CultureInfo.InvariantCulture, $"case {caseIndex} ({origin}): {problem}\n  input, {input.Length} bytes: {hex}"));
        }
    }

    public void Fail(int caseIndex, string origin, string problem, string text) =>
        Fail(caseIndex, origin, problem, Encoding.UTF8.GetBytes(text));

    /// <summary>Fails the test with every recorded problem, the seed and how to replay it.</summary>
    public void AssertNoFailures()
    {
        if (_failureCount == 0)
        {
            return;
        }

        Assert.Fail(string.Create(
            CultureInfo.InvariantCulture,
            $"""
            {name}: {_failureCount} failing case(s) with PAX_FUZZ_SEED={Seed} PAX_FUZZ_SCALE={Scale}. The first {_failures.Count}:
            {string.Join('\n', _failures)}
            Replay with the same seed and scale, or save an input under Fuzz/corpus/ (see its README).
            """));
    }

    private static int ReadSetting(string variable, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(variable), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : fallback;
}
