using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Bench;

/// <summary>
/// <c>--bench</c>: frames per second per core of decode and of each analyser on a video file, native memory over
/// 10,000 frames, and how many 25 fps cameras the whole pipeline keeps on one core. OpenCV runs on one thread and
/// times are the process's CPU time, so the figures are per core even on a shared machine.
/// </summary>
public static class BenchRunner
{
    /// <summary>Where Debian's <c>opencv-doc</c> package puts its pedestrian footage.</summary>
    public const string DefaultVideo = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

    private const int Frames = 10_000;

    /// <summary>Runs every measurement (or only the whole pipeline) and writes Markdown; returns the exit code.</summary>
    public static int Run(string video, TextWriter output, bool pipelineOnly = false)
    {
        if (!File.Exists(video))
        {
            output.WriteLine($"No video at {video} (Debian: apt-get install opencv-doc).");
            return 2;
        }

        Cv2.SetNumThreads(1);
        if (pipelineOnly)
        {
            MeasurePipeline(video, output, peopleHz: new PeopleOptions().MaxFps);
            return 0;
        }

        var frames = Decode(video, output);
        var camera = new CameraOptions();
        output.WriteLine("| what | frames | CPU s | frames/s per core |");
        output.WriteLine("|---|---:|---:|---:|");
        using (var motion = new MotionAnalyser(new MotionOptions { AnalysisHeight = 100 }))
        {
            Measure(output, "motion, 100 px analysis height", Frames, i => motion.Analyse(frames[i % frames.Count]));
        }

        using (var motion = new MotionAnalyser(new MotionOptions { AnalysisHeight = 240 }))
        {
            Measure(output, "motion, 240 px analysis height", Frames, i => motion.Analyse(frames[i % frames.Count]));
        }

        using (var tamper = new TamperAnalyser(camera.Tamper))
        {
            Measure(output, "tamper", Frames, i => tamper.Analyse(frames[i % frames.Count], TimeSpan.FromSeconds(i / 25.0)));
        }

        using (var fire = new FireAnalyser(camera.Fire))
        {
            Measure(output, "fire", Frames, i => fire.Analyse(frames[i % frames.Count], TimeSpan.FromSeconds(i / 10.0)));
        }

        using (var people = new PeopleAnalyser(camera.People))
        {
            Measure(output, "people (NanoDet 416×416, ONNX Runtime, one thread)", 100, i => people.Count(frames[(i * 7) % frames.Count]));
        }

        using (var people = new PeopleAnalyser(new PeopleOptions { Detector = "daimler" }))
        {
            Measure(output, "people (HOG, Daimler 48×96, full frame)", 100, i => people.Count(frames[(i * 7) % frames.Count]));
        }

        MeasureMemory(frames, output);
        MeasurePipeline(video, output, peopleHz: 1);
        MeasurePipeline(video, output, peopleHz: 2);
        foreach (var frame in frames)
        {
            frame.Dispose();
        }

        return 0;
    }

    private static List<Mat> Decode(string video, TextWriter output)
    {
        var frames = new List<Mat>();
        using var capture = new VideoCapture(video);
        using var frame = new Mat();
        while (capture.Read(frame) && !frame.Empty())
        {
            frames.Add(frame.Clone());
        }

        // Decode timed on its own pass into one reused Mat: copying frames into memory is not decoding.
        using var timed = new VideoCapture(video);
        var cpu = Cpu();
        while (timed.Read(frame) && !frame.Empty())
        {
        }

        var decode = Cpu() - cpu;
        using var again = new VideoCapture(video);
        cpu = Cpu();
        var grabbed = 0;
        while (again.Grab())
        {
            grabbed++;
        }

        var grabOnly = Cpu() - cpu;
        output.WriteLine($"{video}: {frames.Count} frames of {frames[0].Width}×{frames[0].Height}");
        output.WriteLine();
        output.WriteLine("| what | frames | CPU s | frames/s per core |");
        output.WriteLine("|---|---:|---:|---:|");
        output.WriteLine(Row("decode + convert to BGR (Read)", frames.Count, decode));
        output.WriteLine(Row("decode only (Grab)", grabbed, grabOnly));
        output.WriteLine();
        return frames;
    }

    private static void Measure(TextWriter output, string what, int count, Action<int> analyse)
    {
        analyse(0);
        var cpu = Cpu();
        for (var i = 1; i <= count; i++)
        {
            analyse(i);
        }

        output.WriteLine(Row(what, count, Cpu() - cpu));
    }

    private static void MeasureMemory(List<Mat> frames, TextWriter output)
    {
        // The pipeline as a 25 fps camera runs it by default: motion and fire at 10 Hz, tamper at 2 Hz, people at 1 Hz.
        var options = new CameraOptions { Source = "bench" };
        using var pipeline = new CameraPipeline(options);
        using var frame = new Mat();
        output.WriteLine();
        output.WriteLine("| frames | native heap MB | mmapped blocks | mmapped MB | managed MB | RSS MB |");
        output.WriteLine("|---:|---:|---:|---:|---:|---:|");
        for (var i = 0; i <= Frames; i++)
        {
            var time = TimeSpan.FromSeconds(i / 25.0);
            if (pipeline.IsDue(time))
            {
                frames[i % frames.Count].CopyTo(frame);
                pipeline.Analyse(frame, time);
            }

            pipeline.TryEmit(time, 1);
            if (i % 2_000 == 0)
            {
                GC.Collect();
                var s = NativeMemory.Take();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {i} | {s.HeapBytes / 1e6:F1} | {s.MappedBlocks} | {s.MappedBytes / 1e6:F1} | {GC.GetTotalMemory(true) / 1e6:F1} | {s.ResidentBytes / 1e6:F0} |"));
            }
        }
    }

    private static void MeasurePipeline(string video, TextWriter output, double peopleHz)
    {
        // Eight cameras interleaved on one thread, each decoding every frame of its own stream as if it ran at 25 fps.
        const int cameras = 8;
        var pipelines = new CameraPipeline[cameras];
        var captures = new VideoCapture[cameras];
        for (var c = 0; c < cameras; c++)
        {
            pipelines[c] = new CameraPipeline(new CameraOptions { Source = "bench", People = { MaxFps = peopleHz } });
            captures[c] = new VideoCapture(video);
        }

        using var frame = new Mat();
        var cpu = Cpu();
        var total = 0;
        for (var i = 0; ; i++)
        {
            var time = TimeSpan.FromSeconds(i / 25.0);
            var any = false;
            for (var c = 0; c < cameras; c++)
            {
                if (!captures[c].Grab())
                {
                    continue;
                }

                any = true;
                total++;
                if (pipelines[c].IsDue(time) && captures[c].Retrieve(frame))
                {
                    pipelines[c].Analyse(frame, time);
                }

                pipelines[c].TryEmit(time, 1);
            }

            if (!any)
            {
                break;
            }
        }

        var seconds = Cpu() - cpu;
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Whole pipeline, {cameras} cameras × {total / cameras} frames (decode every frame; motion and fire 10 Hz, tamper 2 Hz, people {peopleHz} Hz): {total} frames in {seconds:F2} CPU s = {total / seconds:F0} frames/s per core = {total / seconds / 25:F1} cameras of 25 fps per core."));
        for (var c = 0; c < cameras; c++)
        {
            pipelines[c].Dispose();
            captures[c].Dispose();
        }
    }

    private static string Row(string what, int count, double seconds) =>
        string.Create(CultureInfo.InvariantCulture, $"| {what} | {count} | {seconds:F2} | {count / seconds:F0} |");

    private static double Cpu() => Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
}
