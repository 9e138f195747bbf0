using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Tests;

public sealed class MotionAnalyserTests
{
    [Fact]
    public void MovingBlobShowsMotion()
    {
        using var background = Scenes.Background();
        using var motion = new MotionAnalyser(new MotionOptions());
        var shares = new List<double>();
        for (var i = 0; i < 30; i++)
        {
            using var frame = Scenes.WithBlob(background, new Point(40 + (i * 8), 120));
            shares.Add(motion.Analyse(frame));
        }

        Assert.All(shares.Skip(2), share => Assert.InRange(share, 0.005, 0.2));
        Assert.NotEmpty(motion.Regions);
    }

    [Fact]
    public void StillSceneShowsAlmostNoMotion()
    {
        using var background = Scenes.Background();
        using var motion = new MotionAnalyser(new MotionOptions());
        for (var i = 0; i < 30; i++)
        {
            using var frame = Scenes.Still(background);
            Assert.InRange(motion.Analyse(frame), 0, 0.001);
        }
    }

    [Fact]
    public void MaskedRegionHidesItsMotion()
    {
        using var background = Scenes.Background();
        var leftHalf = new[] { Polygons.Parse("0,0 0.5,0 0.5,1 0,1") };
        var mask = new PrivacyMask(leftHalf);
        using var masked = new MotionAnalyser(new MotionOptions(), privacyMasks: leftHalf);
        using var unmasked = new MotionAnalyser(new MotionOptions());
        double maskedTotal = 0, unmaskedTotal = 0;
        for (var i = 0; i < 20; i++)
        {
            // The blob walks inside the left half only.
            using var frame = Scenes.WithBlob(background, new Point(20 + (i * 5), 120));
            unmaskedTotal += unmasked.Analyse(frame);
            mask.Apply(frame);
            maskedTotal += masked.Analyse(frame);
        }

        Assert.True(unmaskedTotal > 0.1, $"unmasked motion {unmaskedTotal}");
        Assert.Equal(0, maskedTotal);
    }

    [Fact]
    public void MotionOutsideTheZonesIsNotCounted()
    {
        using var background = Scenes.Background();
        using var motion = new MotionAnalyser(new MotionOptions(), zones: [Polygons.Parse("0.6,0 1,0 1,1 0.6,1")]);
        for (var i = 0; i < 20; i++)
        {
            using var frame = Scenes.WithBlob(background, new Point(20 + (i * 5), 120));
            Assert.Equal(0, motion.Analyse(frame));
        }
    }

    [Fact]
    public void GlobalBrightnessJumpRecalibratesInsteadOfCountingAsMotion()
    {
        using var background = Scenes.Background();
        using var motion = new MotionAnalyser(new MotionOptions());
        for (var i = 0; i < 10; i++)
        {
            using var frame = Scenes.Still(background);
            motion.Analyse(frame);
        }

        // Headlights or the IR filter: every pixel brighter at once.
        using var bright = new Mat();
        Cv2.Add(background, Scalar.All(80), bright);
        Assert.Equal(0, motion.Analyse(bright));
        Assert.True(motion.Recalibrated);
        for (var i = 0; i < 10; i++)
        {
            using var frame = Scenes.Still(bright);
            Assert.InRange(motion.Analyse(frame), 0, 0.001);
            Assert.False(motion.Recalibrated);
        }
    }
}
