using OpenCvSharp;
using Pax.Live.Contracts;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Options;
using Xunit.Abstractions;

namespace Pax.Live.Edge.Tests;

public sealed class FootageTests(ITestOutputHelper output)
{
    /// <summary>
    /// People counted by eye in frames of vtest.avi (0-based index → people whose body is clearly visible,
    /// including one mostly hidden behind the sign post; partial people at the frame's edge not counted).
    /// The second row was labelled later, by another engineer with the same rule, to give the count's error more
    /// frames than a parameter change can get lucky on; 150 (a group of three far up the road) and 475 (one behind the
    /// sign post and the man in front of it) were the hardest calls.
    /// </summary>
    public static readonly TheoryData<int, int> Labels = new()
    {
        { 25, 5 }, { 75, 7 }, { 125, 8 }, { 225, 6 }, { 325, 6 }, { 425, 3 }, { 525, 6 }, { 625, 6 }, { 725, 7 },
        { 50, 6 }, { 150, 8 }, { 275, 7 }, { 375, 4 }, { 475, 4 }, { 575, 7 }, { 675, 7 }, { 775, 7 },
    };

    [Fact]
    public void MotionWhilePeopleWalk()
    {
        using var motion = new MotionAnalyser(new MotionOptions());
        using var capture = new VideoCapture(Footage.Vtest);
        using var frame = new Mat();
        var shares = new List<double>();
        while (shares.Count < 200 && capture.Read(frame) && !frame.Empty())
        {
            shares.Add(motion.Analyse(frame));
        }

        // People walk through every part of the clip: nearly every analysed frame shows some motion, none shows chaos.
        Assert.True(shares.Skip(5).Count(s => s > 0.001) > 180, string.Join(" ", shares));
        Assert.All(shares, s => Assert.InRange(s, 0, 0.2));
    }

    [Fact]
    public void PeopleCountsAreWithinOnePersonOnAverageOfHandLabels()
    {
        var labels = Labels.Select(row => ((int)row[0], (int)row[1])).ToArray();
        var frames = Footage.Frames(labels.Select(l => l.Item1));
        using var people = new PeopleAnalyser(new PeopleOptions());
        var errors = new List<string>();
        double totalError = 0;
        foreach (var (index, expected) in labels)
        {
            var counted = people.Count(frames[index]);
            totalError += Math.Abs(counted - expected);
            errors.Add($"frame {index}: counted {counted}, labelled {expected}");
            frames[index].Dispose();
        }

        var meanError = totalError / labels.Length;
        output.WriteLine($"whole frame: mean absolute error {meanError:F2}\n{string.Join("\n", errors)}");
        Assert.True(meanError <= 1.0, $"mean absolute error {meanError:F2}:\n{string.Join("\n", errors)}");
    }

    // The labelled frames are 2.5 s apart. At 2 Hz a detection runs on every one of them. At the default 1 Hz a
    // detection runs on every whole second, so the clock is shifted by half a second (shiftFrames 5) to put the
    // detections on the labelled frames, or not shifted, and then 15 of the 17 messages carry a count made half a second
    // earlier: that is what a message between two detections says. vtest.avi's crowd walks in and out of the frame,
    // so a half-second-old count is off by more (1.24 when written) than a fresh one (0.76); it is held to 1.5.
    [Theory]
    [InlineData(2.0, 0, 1.0)]
    [InlineData(1.0, 5, 1.0)]
    [InlineData(1.0, 0, 1.5)]
    public void PipelineSearchingOnlyActiveRegionsCountsWithinOnePersonOnAverageOfHandLabels(double peopleHz, int shiftFrames, double maxError)
    {
        // The agent's own path: motion every frame, people at the default 1 Hz inside the regions where something moved;
        // a message between two detections carries the latest count.
        var labels = Labels.ToDictionary(row => (int)row[0], row => (int)row[1]);
        using var pipeline = new CameraPipeline(new CameraOptions { Source = "test", People = { MaxFps = peopleHz } });
        using var capture = new VideoCapture(Footage.Vtest);
        using var frame = new Mat();
        var signals = new Signal[SignalPayload.MaxSignals];
        var report = new List<string>();
        double totalError = 0;
        for (var i = 0; i <= labels.Keys.Max() && capture.Read(frame); i++)
        {
            var time = TimeSpan.FromSeconds((i + shiftFrames) / 10.0);
            pipeline.Analyse(frame, time);
            var message = pipeline.TryEmit(time, 1_000 + i);
            if (labels.TryGetValue(i, out var expected))
            {
                Assert.NotNull(message);
                SignalPayload.Parse(message.Payload, long.MaxValue / 2, signals, out _, out var count);
                var counted = signals[..count].ToArray().Single(s => s.Kind == SignalKind.People).Value;
                totalError += Math.Abs(counted - expected);
                report.Add($"frame {i}: counted {counted}, labelled {expected}");
            }
        }

        var meanError = totalError / labels.Count;
        output.WriteLine($"active regions: mean absolute error {meanError:F2}\n{string.Join("\n", report)}");
        Assert.True(meanError <= maxError, $"mean absolute error {meanError:F2}:\n{string.Join("\n", report)}");
    }

    [Fact]
    public void WholeFrameMaskedMeansNothingIsSeen()
    {
        var camera = new CameraOptions { Source = "test", PrivacyMasks = ["0,0 1,0 1,1 0,1"], Tamper = { Enabled = false } };
        using var pipeline = new CameraPipeline(camera);
        using var capture = new VideoCapture(Footage.Vtest);
        using var frame = new Mat();
        var signals = new Signal[SignalPayload.MaxSignals];
        for (var i = 0; i < 100 && capture.Read(frame); i++)
        {
            var time = TimeSpan.FromSeconds(i / 10.0);
            pipeline.Analyse(frame, time);
            if (pipeline.TryEmit(time, 1_000 + i) is { } message)
            {
                SignalPayload.Parse(message.Payload, long.MaxValue / 2, signals, out _, out var count);
                foreach (var signal in signals[..count])
                {
                    Assert.Equal(0, signal.Value);
                }
            }
        }
    }

    [Fact]
    public void PipelineTurnsFootageIntoValidMessagesWithPeopleAndMotion()
    {
        using var pipeline = new CameraPipeline(new CameraOptions { Source = "test" });
        using var capture = new VideoCapture(Footage.Vtest);
        using var frame = new Mat();
        var signals = new Signal[SignalPayload.MaxSignals];
        var messages = 0;
        double maxPeople = 0, maxMotion = 0;
        for (var i = 0; i < 795 && capture.Grab(); i++)
        {
            // vtest.avi is 10 fps: at the default 2 messages a second, one message per 5 frames.
            var time = TimeSpan.FromSeconds(i / 10.0);
            if (pipeline.IsDue(time) && capture.Retrieve(frame))
            {
                pipeline.Analyse(frame, time);
            }

            if (pipeline.TryEmit(time, 1_764_161_000_000 + (i * 100)) is { } message)
            {
                messages++;
                Assert.Equal(RejectReason.None, SignalPayload.Parse(message.Payload, 1_764_161_000_000 + (i * 100), signals, out _, out var count));
                foreach (var signal in signals[..count])
                {
                    if (signal.Kind == SignalKind.People)
                    {
                        maxPeople = Math.Max(maxPeople, signal.Value);
                    }
                    else if (signal.Kind == SignalKind.Motion)
                    {
                        maxMotion = Math.Max(maxMotion, signal.Value);
                    }
                    else if (signal.Kind is SignalKind.Tamper or SignalKind.Fire)
                    {
                        // A square with people in red coats is neither tampered with nor on fire.
                        Assert.Equal(0, signal.Value);
                    }
                }
            }
        }

        Assert.InRange(messages, 157, 160);
        Assert.InRange(maxPeople, 3, 12);
        Assert.True(maxMotion > 0.002, $"motion {maxMotion}");
    }
}
