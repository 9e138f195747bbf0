using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Audio;

/// <summary>
/// Hears one device's sound on its own thread, live: a microphone, or beside a camera (whose video thread sends the
/// level). The stream is read in 100 ms chunks into one buffer that each read overwrites; a lost stream is reopened.
/// A file source plays at its own pace, as a demo's stand-in for a live microphone.
/// </summary>
public sealed partial class AudioWorker(
    string deviceId, string source, AudioOptions options, bool loop, Action<SignalMessage> publish, SoundLevel? cameraLevel, ILogger logger, TimeSpan? retryAfter = null)
{
    private const int Chunk = AudioAnalyser.SampleRate / 10;

    private readonly TimeSpan _retryAfter = retryAfter ?? TimeSpan.FromSeconds(5);

    /// <summary>Runs until <paramref name="stoppingToken"/> fires (or a file without <c>Loop</c> ends).</summary>
    public void Run(CancellationToken stoppingToken)
    {
        var isFile = File.Exists(source);
        var buffer = new float[Chunk];
        while (!stoppingToken.IsCancellationRequested)
        {
            AudioStream stream;
            try
            {
                stream = AudioStream.Open(source, TimeSpan.FromSeconds(10));
            }
            catch (IOException e)
            {
                LogSourceFailed(logger, deviceId, e.Message);
                stoppingToken.WaitHandle.WaitOne(_retryAfter);
                continue;
            }

            using (stream)
            using (stoppingToken.Register(stream.Stop))
            {
                var pipeline = new AudioPipeline(options, publish, cameraLevel);
                var started = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
                var wall = Stopwatch.StartNew();
                int n;
                while (!stoppingToken.IsCancellationRequested && (n = stream.Read(buffer)) > 0)
                {
                    // Live: media time 0 is now less the sound already heard, so an impulse is stamped when it sounded.
                    var epoch = isFile ? started : DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - (long)(pipeline.Time.TotalMilliseconds + (n * 1000.0 / AudioAnalyser.SampleRate));
                    pipeline.Process(buffer.AsSpan(0, n), epoch);
                    if (isFile)
                    {
                        var ahead = pipeline.Time - wall.Elapsed;
                        if (ahead > TimeSpan.Zero && stoppingToken.WaitHandle.WaitOne(ahead))
                        {
                            return;
                        }
                    }
                }

                Array.Clear(buffer);
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                if (isFile && !loop)
                {
                    LogEnded(logger, deviceId);
                    return;
                }

                // A stream that gave no sound at all (refused, 401, no audio track) waits longer before the next try;
                // a looping file that played starts again at once.
                if (!isFile || pipeline.Time == TimeSpan.Zero)
                {
                    LogStreamLost(logger, deviceId, stream.Why());
                    stoppingToken.WaitHandle.WaitOne(pipeline.Time == TimeSpan.Zero ? _retryAfter : TimeSpan.FromSeconds(1));
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId}: audio source failed ({Reason}); retrying")]
    private static partial void LogSourceFailed(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{DeviceId}: the sound stopped ({Reason}); opening it again")]
    private static partial void LogStreamLost(ILogger logger, string deviceId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{DeviceId}: the audio file ended")]
    private static partial void LogEnded(ILogger logger, string deviceId);
}
