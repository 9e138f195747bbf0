using System.Globalization;
using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// Polygons written as <c>"x,y x,y x,y …"</c> in fractions of the frame (0..1), so one config fits any resolution
/// and any analysis size.
/// </summary>
public static class Polygons
{
    /// <summary>Parses one polygon; throws <see cref="FormatException"/> with the reason when it is not one.</summary>
    public static Point2d[] Parse(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length < 3)
        {
            throw new FormatException($"A polygon needs at least 3 points \"x,y\": '{text}'.");
        }

        var points = new Point2d[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            var xy = parts[i].Split(',');
            if (xy.Length != 2
                || !double.TryParse(xy[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var x)
                || !double.TryParse(xy[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
                || x is < 0 or > 1 || y is < 0 or > 1)
            {
                throw new FormatException($"'{parts[i]}' is not a point \"x,y\" with both in 0..1.");
            }

            points[i] = new Point2d(x, y);
        }

        return points;
    }

    /// <summary>The polygons scaled to a frame of <paramref name="size"/>, as OpenCV's fill functions want them.</summary>
    public static Point[][] ToPixels(IReadOnlyList<Point2d[]> polygons, Size size)
    {
        var result = new Point[polygons.Count][];
        for (var p = 0; p < polygons.Count; p++)
        {
            var polygon = polygons[p];
            result[p] = new Point[polygon.Length];
            for (var i = 0; i < polygon.Length; i++)
            {
                result[p][i] = new Point(
                    (int)Math.Round(polygon[i].X * size.Width),
                    (int)Math.Round(polygon[i].Y * size.Height));
            }
        }

        return result;
    }

    /// <summary>
    /// A mask of <paramref name="size"/>: 255 inside the zones (everywhere when there are none), 0 inside the privacy
    /// masks, which always win.
    /// </summary>
    public static Mat ZoneMask(Size size, IReadOnlyList<Point2d[]> zones, IReadOnlyList<Point2d[]> privacyMasks)
    {
        var mask = new Mat(size, MatType.CV_8UC1, zones.Count == 0 ? Scalar.All(255) : Scalar.All(0));
        if (zones.Count > 0)
        {
            Cv2.FillPoly(mask, ToPixels(zones, size), Scalar.All(255));
        }

        if (privacyMasks.Count > 0)
        {
            Cv2.FillPoly(mask, ToPixels(privacyMasks, size), Scalar.All(0));
        }

        return mask;
    }
}
