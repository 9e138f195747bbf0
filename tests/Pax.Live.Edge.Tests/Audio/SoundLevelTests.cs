using System.Text.Json;
using Pax.Live.Edge.Audio;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests.Audio;

/// <summary>LAeq,1s against tones and noise made by sox, read back through ffmpeg as the agent reads any source.</summary>
public sealed class SoundLevelTests
{
    // IEC 61672-1:2013 Table 3, class 1 acceptance limits (dB) at the nominal one-third-octave frequencies.
    private static readonly (double Hz, double Plus, double Minus)[] ClassOne =
    [
        (31.5, 1.5, 1.5), (40, 1.0, 1.0), (50, 1.0, 1.0), (63, 1.0, 1.0), (80, 1.0, 1.0), (100, 1.0, 1.0), (125, 1.0, 1.0),
        (160, 1.0, 1.0), (200, 1.0, 1.0), (250, 1.0, 1.0), (315, 1.0, 1.0), (400, 1.0, 1.0), (500, 1.0, 1.0), (630, 1.0, 1.0),
        (800, 1.0, 1.0), (1000, 0.7, 0.7), (1250, 1.0, 1.0), (1600, 1.0, 1.0), (2000, 1.0, 1.0), (2500, 1.0, 1.0),
        (3150, 1.0, 1.0), (4000, 1.0, 1.0), (5000, 1.5, 1.5), (6300, 1.5, 2.0), (8000, 1.5, 2.5),
    ];

    [Theory]
    [InlineData(1.0, 120)]
    [InlineData(0.5, 120)]
    [InlineData(0.1, 120)]
    [InlineData(0.001, 120)]
    [InlineData(0.1, 94)]
    public void OneKilohertzSineReadsFullScaleDbPlusItsAmplitudeWithinHalfADecibel(double amplitude, double fullScaleDb)
    {
        var file = Tone(1000, amplitude);
        var levels = Levels(file, new AudioOptions { FullScaleDb = fullScaleDb });

        var expected = fullScaleDb + (20 * Math.Log10(amplitude));
        Assert.True(levels.Count >= 5, $"{levels.Count} levels");
        Assert.All(levels.Skip(1), l => Assert.InRange(l, expected - 0.5, expected + 0.5));
    }

    [Fact]
    public void AWeightingOfSineTonesFrom31HzTo8kHzStaysWithinClassOneTolerances()
    {
        var report = new List<string>();
        foreach (var (hz, plus, minus) in ClassOne)
        {
            var levels = Levels(Tone(hz, 0.1), new AudioOptions());
            var error = levels.Skip(1).Average() - (100 + AWeighting.Nominal(hz));
            report.Add($"{hz} Hz: {error:+0.00;-0.00}");
            Assert.True(error <= plus && error >= -minus, $"{hz} Hz is {error:F2} dB off the standard's A-weighting ({string.Join(", ", report)})");
        }
    }

    [Fact]
    public void TheDigitalFilterFollowsTheStandardsCurveWithinATenthOfADecibelUpTo5kHzAndSixTenthsAt8kHz()
    {
        var weighting = new AWeighting(AudioAnalyser.SampleRate);
        foreach (var (hz, _, _) in ClassOne)
        {
            var db = 20 * Math.Log10(weighting.Magnitude(hz, AudioAnalyser.SampleRate));
            Assert.True(Math.Abs(db - AWeighting.Nominal(hz)) <= (hz <= 5000 ? 0.1 : 0.6), $"{hz} Hz: filter {db:F2} dB, standard {AWeighting.Nominal(hz):F2} dB");
        }

        Assert.InRange(AWeighting.Nominal(1000), -0.01, 0.01);
        Assert.InRange(AWeighting.Nominal(31.5), -39.6, -39.3);
    }

    [Fact]
    public void PinkNoiseInTenDecibelStepsReadsTenDecibelStepsWithinHalfADecibel()
    {
        // Five steps of 8 s: −10, −20, … −50 dBFS; each step's level is the energy mean of its seconds 2–7.
        var file = Path.Combine(Sounds.Directory, "pink-steps.wav");
        if (!File.Exists(file))
        {
            var steps = new List<float>();
            for (var step = 1; step <= 5; step++)
            {
                steps.AddRange(Sounds.Synth("synth 8 pinknoise", $"gain -n {-10 * step}"));
            }

            Sounds.WriteWav(file, steps.ToArray());
        }

        var levels = Levels(file, new AudioOptions());
        var means = Enumerable.Range(0, 5).Select(s => 10 * Math.Log10(levels.Skip((s * 8) + 2).Take(5).Average(l => Math.Pow(10, l / 10)))).ToArray();
        for (var s = 1; s < means.Length; s++)
        {
            Assert.InRange(means[s - 1] - means[s], 9.5, 10.5);
        }
    }

    [Fact]
    public void SilenceReadsAsLowAsTheScaleGoesAndNeverOutsideTheContract()
    {
        var file = Path.Combine(Sounds.Directory, "silence.wav");
        Sounds.WriteWav(file, new float[Sounds.Rate * 3]);
        Assert.All(Levels(file, new AudioOptions()), l => Assert.Equal(0, l));
    }

    private static string Tone(double hz, double amplitude)
    {
        var file = Path.Combine(Sounds.Directory, FormattableString.Invariant($"sine-{hz}-{amplitude}.wav"));
        if (!File.Exists(file))
        {
            Sounds.WriteWav(file, Sounds.Synth(FormattableString.Invariant($"synth 6 sine {hz}"), FormattableString.Invariant($"vol {amplitude}")));
        }

        return file;
    }

    internal static List<double> Levels(string file, AudioOptions options)
    {
        var levels = new List<double>();
        AudioAnalysis.AnalyseFile(file, options, 0, m => levels.AddRange(Values(m, "sound")));
        return levels;
    }

    internal static IEnumerable<double> Values(SignalMessage message, string kind)
    {
        using var json = JsonDocument.Parse(message.Payload);
        return json.RootElement.GetProperty("signals").EnumerateArray()
            .Where(s => s.GetProperty("kind").GetString() == kind).Select(s => s.GetProperty("value").GetDouble()).ToList();
    }
}
