using OpenCvSharp;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Tests;

public sealed class VideoSourceTests
{
    [Fact]
    public void LoopingFilePlaysOnWithTimeStillRunningForward()
    {
        using var source = new VideoSource(Footage.Vtest, loop: true);
        using var frame = new Mat();
        Assert.True(source.IsFile);
        var last = TimeSpan.MinValue;
        for (var i = 0; i < 900; i++)
        {
            Assert.True(source.Grab(), $"frame {i}");
            Assert.True(source.Time > last);
            last = source.Time;
        }

        // 900 frames of a 795-frame clip at 10 fps, the first at 0 s: the clip restarted and its time went on to 89.9 s.
        Assert.Equal(89.9, last.TotalSeconds, 3);
        Assert.True(source.Retrieve(frame));
        Assert.Equal(new Size(768, 576), frame.Size());
    }

    [Fact]
    public void FileWithoutLoopEnds()
    {
        using var source = new VideoSource(Footage.Vtest, loop: false);
        var frames = 0;
        while (source.Grab())
        {
            frames++;
        }

        Assert.Equal(795, frames);
    }

    [Fact]
    public void MissingSourceFailsWithItsName()
    {
        using var source = new VideoSource("/nonexistent/camera.avi", loop: false);
        var error = Assert.Throws<IOException>(() => source.Grab());
        Assert.Contains("/nonexistent/camera.avi", error.Message, StringComparison.Ordinal);
    }
}
