using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

public sealed class TamperAnalyserTests
{
    private static TimeSpan At(int second) => TimeSpan.FromSeconds(second);

    private static TamperAnalyser Learned(Mat background)
    {
        var tamper = new TamperAnalyser(new TamperOptions());
        for (var i = 0; i < 5; i++)
        {
            using var frame = Scenes.Still(background);
            Assert.False(tamper.Analyse(frame, At(i)));
        }

        return tamper;
    }

    [Fact]
    public void BlackFrameIsTamperOnceItHolds()
    {
        using var background = Scenes.Background();
        using var tamper = Learned(background);
        using var black = new Mat(Scenes.Size, MatType.CV_8UC3, Scalar.All(0));
        Assert.False(tamper.Analyse(black, At(10)));
        Assert.Equal(TamperCause.Covered, tamper.Cause);
        Assert.True(tamper.Analyse(black, At(14)));
    }

    [Fact]
    public void UniformFrameIsTamperEvenWithoutReference()
    {
        using var tamper = new TamperAnalyser(new TamperOptions());
        using var gray = new Mat(Scenes.Size, MatType.CV_8UC3, Scalar.All(128));
        tamper.Analyse(gray, At(0));
        Assert.True(tamper.Analyse(gray, At(5)));
        Assert.Equal(TamperCause.Covered, tamper.Cause);
    }

    [Fact]
    public void BlindingLightIsTamper()
    {
        using var background = Scenes.Background();
        using var tamper = Learned(background);
        using var white = new Mat(Scenes.Size, MatType.CV_8UC3, Scalar.All(250));
        tamper.Analyse(white, At(10));
        Assert.True(tamper.Analyse(white, At(20)));
        Assert.Equal(TamperCause.Blinded, tamper.Cause);
    }

    [Fact]
    public void DefocusedViewIsTamper()
    {
        using var background = Scenes.Background();
        using var tamper = Learned(background);
        using var blurred = new Mat();
        Cv2.GaussianBlur(background, blurred, new Size(0, 0), 12);
        tamper.Analyse(blurred, At(10));
        Assert.True(tamper.Analyse(blurred, At(20)));
        Assert.Equal(TamperCause.Defocused, tamper.Cause);
    }

    [Fact]
    public void TurnedCameraIsTamper()
    {
        using var background = Scenes.Background();
        using var tamper = Learned(background);
        using var elsewhere = Scenes.Background(seed: 99);
        tamper.Analyse(elsewhere, At(10));
        Assert.True(tamper.Analyse(elsewhere, At(20)));
        Assert.Equal(TamperCause.Moved, tamper.Cause);
    }

    [Fact]
    public void ClearViewWithPeopleIsNotTamper()
    {
        using var background = Scenes.Background();
        using var tamper = Learned(background);
        for (var i = 0; i < 20; i++)
        {
            using var frame = Scenes.WithBlob(background, new Point(40 + (i * 10), 120));
            Assert.False(tamper.Analyse(frame, At(10 + i)));
        }
    }

    [Fact]
    public void ShortCoverIsNotReported()
    {
        using var background = Scenes.Background();
        using var tamper = Learned(background);
        using var black = new Mat(Scenes.Size, MatType.CV_8UC3, Scalar.All(0));
        Assert.False(tamper.Analyse(black, At(10)));
        Assert.False(tamper.Analyse(black, At(11)));
        using var clear = Scenes.Still(background);
        Assert.False(tamper.Analyse(clear, At(12)));
        Assert.False(tamper.Analyse(black, At(14)));
    }
}

public sealed class FireAnalyserTests
{
    [Fact]
    public void FlickeringFlameGivesHighConfidence()
    {
        using var background = Scenes.Background();
        using var fire = new FireAnalyser(new FireOptions());
        var confidence = 0.0;
        for (var i = 0; i < 50; i++)
        {
            using var frame = Scenes.WithFlame(background, i, flicker: true);
            confidence = fire.Analyse(frame, TimeSpan.FromSeconds(i / 10.0));
        }

        // Five seconds of flicker at 10 frames a second.
        Assert.InRange(confidence, 0.8, 1);
    }

    [Fact]
    public void SteadyOrangeIsNotFire()
    {
        using var background = Scenes.Background();
        using var fire = new FireAnalyser(new FireOptions());
        for (var i = 0; i < 50; i++)
        {
            using var frame = Scenes.WithFlame(background, i, flicker: false);
            Assert.Equal(0, fire.Analyse(frame, TimeSpan.FromSeconds(i / 10.0)));
        }
    }

    [Fact]
    public void OrdinarySceneIsNotFire()
    {
        using var background = Scenes.Background();
        using var fire = new FireAnalyser(new FireOptions());
        for (var i = 0; i < 20; i++)
        {
            using var frame = Scenes.WithBlob(background, new Point(40 + (i * 10), 120));
            Assert.Equal(0, fire.Analyse(frame, TimeSpan.FromSeconds(i / 10.0)));
        }
    }
}
