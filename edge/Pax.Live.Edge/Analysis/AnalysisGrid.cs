using OpenCvSharp;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// The downscaled grid an analyser works on, and the mask of watched pixels on it (zones, less privacy masks).
/// Rebuilt only when the frame size changes.
/// </summary>
internal sealed class AnalysisGrid(IReadOnlyList<Point2d[]>? zones, IReadOnlyList<Point2d[]>? privacyMasks) : IDisposable
{
    private readonly IReadOnlyList<Point2d[]> _zones = zones ?? [];
    private readonly IReadOnlyList<Point2d[]> _privacyMasks = privacyMasks ?? [];

    /// <summary>The analysis size.</summary>
    public Size Size { get; private set; }

    /// <summary>Watched pixels are 255, the rest 0.</summary>
    public Mat Mask { get; private set; } = new();

    /// <summary>How many pixels are watched.</summary>
    public int Pixels { get; private set; }

    /// <summary>Fits the grid to a frame, scaled to <paramref name="analysisHeight"/> rows; true when it changed.</summary>
    public bool Fit(Size frameSize, int analysisHeight)
    {
        var height = Math.Min(analysisHeight, frameSize.Height);
        var size = new Size(Math.Max(1, (int)Math.Round((double)frameSize.Width * height / frameSize.Height)), height);
        if (size == Size)
        {
            return false;
        }

        Size = size;
        Mask.Dispose();
        Mask = Polygons.ZoneMask(size, _zones, _privacyMasks);
        Pixels = Cv2.CountNonZero(Mask);
        return true;
    }

    /// <inheritdoc />
    public void Dispose() => Mask.Dispose();
}
