using OpenCvSharp;

namespace Pax.Live.Edge.Tests;

/// <summary>Frames drawn by the tests: a textured street-like scene, and things moving over it.</summary>
internal static class Scenes
{
    public static readonly Size Size = new(320, 240);

    /// <summary>A still scene with texture (edges for the tamper analyser, structure for correlation).</summary>
    public static Mat Background(int seed = 7)
    {
        var random = new Random(seed);
        var frame = new Mat(Size, MatType.CV_8UC3, new Scalar(90, 100, 110));
        for (var i = 0; i < 40; i++)
        {
            var x = random.Next(Size.Width);
            var y = random.Next(Size.Height);
            var color = new Scalar(random.Next(256), random.Next(256), random.Next(256));
            Cv2.Rectangle(frame, new Rect(x, y, 10 + random.Next(60), 10 + random.Next(60)), color, -1);
        }

        for (var i = 0; i < 20; i++)
        {
            Cv2.Line(frame, new Point(random.Next(Size.Width), random.Next(Size.Height)), new Point(random.Next(Size.Width), random.Next(Size.Height)), Scalar.All(random.Next(256)), 2);
        }

        return frame;
    }

    /// <summary>The background with fresh sensor noise (0..3 grey levels), as a real still camera delivers it.</summary>
    public static Mat Still(Mat background)
    {
        var frame = background.Clone();
        using var noise = new Mat(Size, MatType.CV_8UC3);
        Cv2.Randu(noise, Scalar.All(0), Scalar.All(4));
        Cv2.Add(frame, noise, frame);
        return frame;
    }

    /// <summary>The background with a dark, person-sized blob at <paramref name="center"/>.</summary>
    public static Mat WithBlob(Mat background, Point center)
    {
        var frame = background.Clone();
        Cv2.Ellipse(frame, center, new Size(10, 22), 0, 0, 360, new Scalar(20, 20, 30), -1);
        return frame;
    }

    /// <summary>A flame-coloured blob: bright orange to yellow, its inside changing with <paramref name="phase"/> as flames do.</summary>
    public static Mat WithFlame(Mat background, int phase, bool flicker)
    {
        var frame = background.Clone();
        var random = new Random(flicker ? phase : 0);
        for (var i = 0; i < 30; i++)
        {
            var center = new Point(160 + random.Next(-25, 25), 140 + random.Next(-30, 20));
            var brightness = 190 + random.Next(65);
            Cv2.Circle(frame, center, 6 + random.Next(8), new Scalar(20, brightness * 0.6, brightness), -1);
        }

        return frame;
    }
}
