using OpenCvSharp;

namespace Pax.Live.Edge.Tests;

/// <summary>Real footage: <c>vtest.avi</c>, pedestrians on a campus square, from Debian's <c>opencv-doc</c> package.</summary>
internal static class Footage
{
    public const string VtestPath = "/usr/share/doc/opencv-doc/examples/data/vtest.avi";

    /// <summary>The path of vtest.avi; fails (never skips) when the package is missing.</summary>
    public static string Vtest =>
        File.Exists(VtestPath)
            ? VtestPath
            : throw new FileNotFoundException($"vtest.avi is missing: install Debian's opencv-doc package (apt-get install opencv-doc; ./test.sh does it).", VtestPath);

    /// <summary>Reads the frames at the given indexes (0-based), in one pass.</summary>
    public static Dictionary<int, Mat> Frames(IEnumerable<int> indexes)
    {
        var wanted = new SortedSet<int>(indexes);
        var frames = new Dictionary<int, Mat>();
        using var capture = new VideoCapture(Vtest);
        for (var i = 0; wanted.Count > 0 && capture.Grab(); i++)
        {
            if (wanted.Remove(i))
            {
                var frame = new Mat();
                capture.Retrieve(frame);
                frames[i] = frame;
            }
        }

        Assert.Empty(wanted);
        return frames;
    }
}
