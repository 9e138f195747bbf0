using System.Diagnostics;
using System.Globalization;
using Pax.Live.Edge.Audio;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Bench;

/// <summary>
/// <c>--bench-audio [file]</c>: the CPU one 48 kHz mono stream costs, as a share of one core — ffmpeg's decoding and
/// resampling (its own process) and the agent's analysis (A-weighting, LAeq,1s, impulse detector) — on a file, by
/// default two minutes of pink noise encoded as AAC, as a camera's audio track is.
/// </summary>
public static class AudioBench
{
    /// <summary>Runs the measurement and writes Markdown; returns the exit code.</summary>
    public static int Run(string? file, TextWriter output)
    {
        file ??= DefaultFile();
        if (file is null || !File.Exists(file))
        {
            output.WriteLine($"No audio file at {file} (Debian: apt-get install ffmpeg).");
            return 2;
        }

        // Decode once into memory (ffmpeg's CPU measured on the way), then analyse it from memory, timed alone.
        var samples = new List<float>();
        var buffer = new float[AudioAnalyser.SampleRate / 10];
        var decoder = TimeSpan.Zero;
        using (var stream = AudioStream.Open(file, TimeSpan.FromSeconds(30)))
        {
            int n;
            while ((n = stream.Read(buffer)) > 0)
            {
                samples.AddRange(buffer.AsSpan(0, n));
                var cpu = stream.DecoderCpu();
                decoder = cpu > decoder ? cpu : decoder;
            }
        }

        var audio = samples.ToArray();
        var seconds = audio.Length / (double)AudioAnalyser.SampleRate;
        const int passes = 10;
        var messages = 0;
        void Count(SignalMessage m) => messages++;
        new AudioPipeline(new AudioOptions(), Count).Process(audio, 0);
        var before = Process.GetCurrentProcess().TotalProcessorTime;
        var wall = Stopwatch.StartNew();
        for (var p = 0; p < passes; p++)
        {
            var pipeline = new AudioPipeline(new AudioOptions(), Count);
            for (var i = 0; i < audio.Length; i += buffer.Length)
            {
                pipeline.Process(audio.AsSpan(i, Math.Min(buffer.Length, audio.Length - i)), 0);
            }
        }

        var analysis = (Process.GetCurrentProcess().TotalProcessorTime - before).TotalSeconds;
        var analysed = seconds * passes;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: {seconds:F1} s of 48 kHz mono"));
        output.WriteLine();
        output.WriteLine("| what | audio s | CPU s | share of one core per stream | × real time |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        output.WriteLine(Row("ffmpeg: decode + resample to 48 kHz mono f32 (its own process)", seconds, decoder.TotalSeconds));
        output.WriteLine(Row($"analysis: A-weighting, LAeq,1s, impulses ({passes} passes, in memory)", analysed, analysis));
        output.WriteLine(Row("both", seconds, decoder.TotalSeconds + (analysis / passes)));
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"analysis wall time {wall.Elapsed.TotalSeconds:F2} s for {analysed:F0} s of sound; {messages} messages"));
        return 0;
    }

    private static string Row(string what, double audioSeconds, double cpuSeconds) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {audioSeconds:F0} | {cpuSeconds:F3} | {100 * cpuSeconds / audioSeconds:F3} % | {audioSeconds / Math.Max(cpuSeconds, 1e-9):F0} |");

    private static string? DefaultFile()
    {
        var file = Path.Combine(Path.GetTempPath(), "pax-bench-audio-pink-120s.m4a");
        if (File.Exists(file))
        {
            return file;
        }

        var start = new ProcessStartInfo("ffmpeg") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in (string[])["-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anoisesrc=color=pink:duration=120:sample_rate=48000:amplitude=0.1", "-ac", "1", "-c:a", "aac", "-b:a", "96k", file])
        {
            start.ArgumentList.Add(arg);
        }

        using var ffmpeg = Process.Start(start);
        ffmpeg?.WaitForExit();
        return ffmpeg?.ExitCode == 0 ? file : null;
    }
}
