using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Audio;

/// <summary>What <c>AudioAnalysis.AnalyseFile</c> heard.</summary>
/// <param name="Duration">Media time analysed.</param>
/// <param name="Impulses">Impulses heard.</param>
public sealed record AudioAnalysisResult(TimeSpan Duration, long Impulses);

/// <summary>The offline entry point: a recording's sound analysed as fast as ffmpeg decodes it, by the live code path.</summary>
public static class AudioAnalysis
{
    /// <summary>
    /// Analyses the audio track of <paramref name="file"/> (any format ffmpeg reads, a video's sound too) and hands
    /// every message the device would publish to <paramref name="publish"/>, stamped <paramref name="epochMs"/> + media time.
    /// </summary>
    /// <param name="file">The recording.</param>
    /// <param name="options">Calibration and impulse settings.</param>
    /// <param name="epochMs">Unix time in ms of the recording's start.</param>
    /// <param name="publish">Receives each message (levels each second, impulses as heard).</param>
    /// <param name="cameraLevel">For a camera: levels go here instead of into messages of their own.</param>
    /// <param name="cancellationToken">Stops early.</param>
    public static AudioAnalysisResult AnalyseFile(
        string file, AudioOptions options, long epochMs, Action<SignalMessage> publish, SoundLevel? cameraLevel = null, CancellationToken cancellationToken = default) =>
        AnalyseFile(file, options, epochMs, publish, cameraLevel, trace: null, cancellationToken);

    /// <summary>As above, telling <paramref name="trace"/> the impulse detector's reasoning (tests and tuning).</summary>
    internal static AudioAnalysisResult AnalyseFile(
        string file, AudioOptions options, long epochMs, Action<SignalMessage> publish, SoundLevel? cameraLevel, Action<string>? trace, CancellationToken cancellationToken)
    {
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"No such file: {file}", file);
        }

        var pipeline = new AudioPipeline(options, publish, cameraLevel) { Trace = trace };
        using var stream = AudioStream.Open(file, TimeSpan.FromSeconds(30));
        var buffer = new float[AudioAnalyser.SampleRate];
        int n;
        while (!cancellationToken.IsCancellationRequested && (n = stream.Read(buffer)) > 0)
        {
            pipeline.Process(buffer.AsSpan(0, n), epochMs);
        }

        if (pipeline.Time == TimeSpan.Zero)
        {
            throw new IOException($"No sound in {file}: {stream.Why()}");
        }

        return new AudioAnalysisResult(pipeline.Time, pipeline.Impulses);
    }
}
