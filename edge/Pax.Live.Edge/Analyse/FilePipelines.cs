using System.Diagnostics;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Audio;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analyse;

/// <summary>
/// Starts every pipeline a media file feeds, each on its own thread and all writing through one
/// <see cref="JsonLinesWriter"/>: the camera's video pipeline (the live camera's own <see cref="CameraWorker"/> loop,
/// run offline) and the sound pipeline (<see cref="AudioAnalysis"/>, the live microphone's own), beside it.
/// </summary>
public static class FilePipelines
{
    /// <summary>Starts the pipelines for the file's tracks; an empty list when nothing in the file is analysed.</summary>
    public static List<Task> Start(AnalyseRequest request, JsonLinesWriter writer, ILoggerFactory loggers, CancellationToken stoppingToken)
    {
        Cv2.SetNumThreads(Math.Max(1, request.Edge.OpenCvThreads));
        var tracks = MediaTracks.Of(request.File);
        var tasks = new List<Task>();
        if (tracks.Video && request.Camera is { } camera)
        {
            var worker = new CameraWorker(camera, writer.For(camera.PlaceId, camera.DeviceId), loggers.CreateLogger<CameraWorker>(), offlineEpochMs: request.EpochMs);
            tasks.Add(Task.Factory.StartNew(() => worker.Run(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

        // Offline the sound runs at its own pace, not the frames': a camera's levels go out as messages of their own.
        var (place, device, sound) = request.Microphone is { } microphone
            ? (microphone.PlaceId, microphone.DeviceId, (AudioOptions?)microphone)
            : request.Camera is { Audio.Enabled: true } heard ? (heard.PlaceId, heard.DeviceId, heard.Audio) : ("", "", null);
        if (tracks.Audio && sound is not null)
        {
            var sink = writer.For(place, device);
            tasks.Add(Task.Factory.StartNew(
                () => AudioAnalysis.AnalyseFile(request.File, sound, request.EpochMs, sink.Publish, cameraLevel: null, stoppingToken),
                stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default));
        }

        return tasks;
    }
}

/// <summary>Which kinds of track a media file has, as ffprobe sees them.</summary>
public readonly record struct MediaTracks(bool Video, bool Audio)
{
    /// <summary>Asks ffprobe; without ffprobe, a file is taken to have video only (OpenCV reads it or says why not).</summary>
    public static MediaTracks Of(string file)
    {
        try
        {
            using var probe = Process.Start(new ProcessStartInfo("ffprobe", ["-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", file])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var kinds = probe.StandardOutput.ReadToEnd();
            probe.WaitForExit();
            if (probe.ExitCode != 0)
            {
                throw new IOException($"ffprobe cannot read it: {probe.StandardError.ReadToEnd().Trim()}");
            }

            return new MediaTracks(kinds.Contains("video", StringComparison.Ordinal), kinds.Contains("audio", StringComparison.Ordinal));
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new MediaTracks(Video: true, Audio: false);
        }
    }
}
