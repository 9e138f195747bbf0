using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// Blacks out the privacy polygons (a neighbour's windows, a doorway) in the frame itself, before any analyser sees
/// it: what is masked is never analysed, not merely ignored afterwards.
/// </summary>
public sealed class PrivacyMask(IReadOnlyList<Point2d[]> polygons)
{
    private Size _size;
    private Point[][] _pixels = [];

    /// <summary>Whether there is anything to black out.</summary>
    public bool IsEmpty => polygons.Count == 0;

    /// <summary>Fills the polygons with black in <paramref name="frame"/>, in place.</summary>
    public void Apply(Mat frame)
    {
        if (polygons.Count == 0)
        {
            return;
        }

        var size = frame.Size();
        if (size != _size)
        {
            // Scaled once per resolution: FillPoly costs only the masked area, far less than masking the whole frame.
            _pixels = Polygons.ToPixels(polygons, size);
            _size = size;
        }

        Cv2.FillPoly(frame, _pixels, Scalar.All(0));
    }
}
