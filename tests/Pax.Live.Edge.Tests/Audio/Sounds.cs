using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace Pax.Live.Edge.Tests.Audio;

/// <summary>
/// Test sound made here: tones and noise from sox, speech from espeak-ng, music from sox's synth, bangs (N-waves and
/// Friedlander blasts) computed from their textbook forms, all at 48 kHz mono, full scale ±1. Random parts are seeded,
/// so every run hears the same files.
/// </summary>
internal static class Sounds
{
    public const int Rate = 48_000;

    /// <summary>Where generated files are kept between runs (they are made again when missing).</summary>
    public static string Directory { get; } = CreateDirectory();

    /// <summary>Runs sox with <paramref name="args"/> writing raw 48 kHz mono floats to stdout, and returns them.</summary>
    public static float[] Sox(string args) => Raw("sox", $"-R {args}");

    /// <summary>sox's synth: <c>synth 5 sine 1000</c> and so on.</summary>
    public static float[] Synth(string synth, string effects = "") => Sox($"-n -r {Rate} -c 1 -b 32 -e floating-point -t raw - {synth} {effects}");

    /// <summary>espeak-ng speaking <paramref name="text"/>, resampled to 48 kHz.</summary>
    public static float[] Speech(string voice, string text, int wordsPerMinute = 160, int pitch = 50)
    {
        var textFile = Path.Combine(Directory, $"speech-{Guid.NewGuid():N}.txt");
        File.WriteAllText(textFile, text, Encoding.UTF8);
        try
        {
            return Raw("bash", $"-c \"espeak-ng -v {voice} -s {wordsPerMinute} -p {pitch} -f {textFile} --stdout | sox -t wav - -r {Rate} -c 1 -b 32 -e floating-point -t raw -\"");
        }
        finally
        {
            File.Delete(textFile);
        }
    }

    /// <summary>Scales <paramref name="samples"/> in place to an RMS of <paramref name="dbfs"/> (0 dBFS: a full-scale sine).</summary>
    public static float[] AtRms(float[] samples, double dbfs)
    {
        double sum = 0;
        foreach (var s in samples)
        {
            sum += s * s;
        }

        var rms = Math.Sqrt(sum / samples.Length);
        var gain = (float)(Math.Pow(10, dbfs / 20) / Math.Sqrt(2) / Math.Max(rms, 1e-12));
        for (var i = 0; i < samples.Length; i++)
        {
            samples[i] *= gain;
        }

        return samples;
    }

    /// <summary>Adds <paramref name="sound"/> into <paramref name="into"/> from sample <paramref name="at"/>.</summary>
    public static void Mix(float[] into, ReadOnlySpan<float> sound, int at)
    {
        for (var i = 0; i < sound.Length && at + i < into.Length; i++)
        {
            into[at + i] += sound[i];
        }
    }

    /// <summary>
    /// A supersonic bullet's N-wave: a jump to +peak, a linear fall to −peak over <paramref name="ms"/>, a jump back;
    /// then its ground reflection and a reverberant tail, low-passed at <paramref name="cutoffHz"/> for distance.
    /// </summary>
    public static float[] NWave(double peak, double ms, double cutoffHz, int seed)
    {
        var n = (int)(ms / 1000 * Rate);
        var wave = new double[Rate / 2];
        for (var i = 0; i <= n; i++)
        {
            wave[i] = peak * (1 - (2.0 * i / n));
        }

        return Finish(wave, peak, cutoffHz, seed, reflectionMs: 3);
    }

    /// <summary>
    /// A blast's Friedlander waveform <c>p(t) = P(1 − t/t⁺)·e^(−t/t⁺)</c>: an instant rise, a positive phase of
    /// <paramref name="positiveMs"/> (a firecracker's few ms to an explosion's tens) and its negative phase, with a
    /// reflection and a reverberant tail, low-passed at <paramref name="cutoffHz"/>.
    /// </summary>
    public static float[] Friedlander(double peak, double positiveMs, double cutoffHz, int seed)
    {
        var wave = new double[Rate / 2 + (int)(positiveMs / 1000 * Rate * 6)];
        var tPlus = positiveMs / 1000 * Rate;
        for (var i = 0; i < (int)(tPlus * 6); i++)
        {
            wave[i] = peak * (1 - (i / tPlus)) * Math.Exp(-i / tPlus);
        }

        return Finish(wave, peak, cutoffHz, seed, reflectionMs: 5);
    }

    /// <summary>A hand clap: a burst of noise around 1–3 kHz decaying in about 5 ms.</summary>
    public static float[] Clap(double peak, int seed) => Burst(peak, seed, decayMs: 5, lowHz: 800, highHz: 3500, lengthMs: 60);

    /// <summary>A door slam: a low thump (a damped 70 Hz) with a broadband click on top, decaying in about 40 ms.</summary>
    public static float[] DoorSlam(double peak, int seed)
    {
        var click = Burst(peak * 0.6, seed, decayMs: 3, lowHz: 300, highHz: 6000, lengthMs: 40);
        var thump = new float[Rate / 4];
        for (var i = 0; i < thump.Length; i++)
        {
            var t = (double)i / Rate;
            thump[i] = (float)(peak * Math.Sin(2 * Math.PI * 70 * t) * Math.Exp(-t / 0.04));
        }

        Mix(thump, click, 0);
        return Normalise(thump, peak);
    }

    /// <summary>A dropped metal object: a click and a ringing of a few partials that lasts half a second.</summary>
    public static float[] Dropped(double peak, int seed)
    {
        var ring = new float[Rate];
        double[] partials = [1850, 3120, 4410];
        for (var i = 0; i < ring.Length; i++)
        {
            var t = (double)i / Rate;
            double sum = 0;
            foreach (var f in partials)
            {
                sum += Math.Sin(2 * Math.PI * f * t) * Math.Exp(-t / 0.25);
            }

            ring[i] = (float)(sum / partials.Length * peak);
        }

        Mix(ring, Burst(peak * 0.8, seed, decayMs: 2, lowHz: 500, highHz: 8000, lengthMs: 20), 0);
        return Normalise(ring, peak);
    }

    /// <summary>Writes a 32-bit float WAV file.</summary>
    public static void WriteWav(string path, ReadOnlySpan<float> samples)
    {
        // Written aside and moved into place: another test process sharing the cache folder may be reading the old
        // file, and a rename leaves what it has open intact.
        var partial = $"{path}.{Environment.ProcessId}.partial";
        using (var file = File.Create(partial))
        using (var writer = new BinaryWriter(file))
        {
            WriteHeader(writer, samples.Length, 3, 32);
            writer.Write(MemoryMarshal.AsBytes(samples));
        }

        File.Move(partial, path, overwrite: true);
    }

    /// <summary>Writes a 16-bit PCM WAV file from chunks, for files too long to hold in memory.</summary>
    public static void WriteWav16(string path, long samples, IEnumerable<float[]> chunks)
    {
        using var file = File.Create(path);
        using var writer = new BinaryWriter(file);
        WriteHeader(writer, samples, 1, 16);
        long written = 0;
        foreach (var chunk in chunks)
        {
            var bytes = new short[chunk.Length];
            for (var i = 0; i < chunk.Length; i++)
            {
                bytes[i] = (short)Math.Clamp(Math.Round(chunk[i] * 32767.0), -32768, 32767);
            }

            writer.Write(MemoryMarshal.AsBytes(bytes.AsSpan()));
            written += chunk.Length;
        }

        if (written != samples)
        {
            throw new InvalidOperationException($"{written} samples written, {samples} announced");
        }
    }

    private static void WriteHeader(BinaryWriter writer, long samples, short format, short bits)
    {
        var bytes = samples * bits / 8;
        writer.Write("RIFF"u8);
        writer.Write((uint)(36 + bytes));
        writer.Write("WAVEfmt "u8);
        writer.Write(16);
        writer.Write(format);
        writer.Write((short)1);
        writer.Write(Rate);
        writer.Write(Rate * bits / 8);
        writer.Write((short)(bits / 8));
        writer.Write(bits);
        writer.Write("data"u8);
        writer.Write((uint)bytes);
    }

    private static float[] Finish(double[] wave, double peak, double cutoffHz, int seed, double reflectionMs)
    {
        // The ground reflection, then a room of façades: decaying noise 18 dB under the peak, 60 dB down in 0.4 s.
        var random = new Random(seed);
        var delay = (int)(reflectionMs / 1000 * Rate);
        var result = new double[wave.Length + delay];
        for (var i = 0; i < wave.Length; i++)
        {
            result[i] += wave[i];
            result[i + delay] += 0.6 * wave[i];
        }

        for (var i = delay; i < result.Length; i++)
        {
            var t = (double)(i - delay) / Rate;
            result[i] += peak * 0.12 * Gaussian(random) * Math.Exp(-t * 6.9 / 0.4);
        }

        // One-pole low-pass: air absorbs the highest frequencies of a distant bang.
        var a = Math.Exp(-2 * Math.PI * cutoffHz / Rate);
        var y = 0.0;
        var output = new float[result.Length];
        for (var i = 0; i < result.Length; i++)
        {
            y = ((1 - a) * result[i]) + (a * y);
            output[i] = (float)y;
        }

        return Normalise(output, peak);
    }

    private static float[] Burst(double peak, int seed, double decayMs, double lowHz, double highHz, double lengthMs)
    {
        var random = new Random(seed);
        var n = (int)(lengthMs / 1000 * Rate);
        var noise = new float[n];
        for (var i = 0; i < n; i++)
        {
            noise[i] = (float)(Gaussian(random) * Math.Exp(-(double)i / Rate / (decayMs / 1000)));
        }

        // A crude band: the difference of two one-pole low-passes.
        var aLow = Math.Exp(-2 * Math.PI * lowHz / Rate);
        var aHigh = Math.Exp(-2 * Math.PI * highHz / Rate);
        double l = 0, h = 0;
        for (var i = 0; i < n; i++)
        {
            l = ((1 - aLow) * noise[i]) + (aLow * l);
            h = ((1 - aHigh) * noise[i]) + (aHigh * h);
            noise[i] = (float)(h - l);
        }

        return Normalise(noise, peak);
    }

    private static float[] Normalise(float[] sound, double peak)
    {
        var max = 0f;
        foreach (var s in sound)
        {
            max = Math.Max(max, Math.Abs(s));
        }

        for (var i = 0; i < sound.Length; i++)
        {
            sound[i] = (float)(sound[i] * peak / max);
        }

        return sound;
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    private static float[] Raw(string program, string args)
    {
        var start = new ProcessStartInfo(program, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        using var bytes = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(bytes);
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {args} failed: {error.Result}");
        }

        return MemoryMarshal.Cast<byte, float>(bytes.GetBuffer().AsSpan(0, (int)bytes.Length / 4 * 4)).ToArray();
    }

    private static string CreateDirectory()
    {
        var dir = Path.Combine(Path.GetTempPath(), "pax-edge-sounds");
        System.IO.Directory.CreateDirectory(dir);
        return dir;
    }
}
