using OpenCvSharp;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Where anything has moved in the last while: a motion mask that fades over a hold time. The people detector runs
/// only inside these regions, because HOG costs in proportion to the area it searches and people appear where
/// things move — walls, sky and empty lawns are skipped. People who stop stay inside the region for the hold time.
/// </summary>
public sealed class ActivityRegions(TimeSpan hold) : IDisposable
{
    /// <summary>Above this share of the frame, one search of the whole frame is cheaper than many overlapping ones.</summary>
    private const double WholeFrameAbove = 0.6;

    private readonly Mat _activity = new();
    private readonly List<Rect> _regions = [];
    private TimeSpan _last;

    /// <summary>Adds the motion mask (analysis size, 0 or 255) of a frame taken at <paramref name="time"/>.</summary>
    public void Add(Mat motionMask, TimeSpan time)
    {
        if (motionMask.Empty())
        {
            // The motion analyser's first frame only learns the background: there is no mask yet.
            return;
        }

        if (_activity.Empty() || _activity.Size() != motionMask.Size())
        {
            motionMask.CopyTo(_activity);
            _last = time;
            return;
        }

        var fade = Math.Ceiling(255 * (time - _last).TotalSeconds / Math.Max(0.001, hold.TotalSeconds));
        _last = time;
        if (fade > 0)
        {
            Cv2.Subtract(_activity, Scalar.All(fade), _activity);
        }

        Cv2.Max(_activity, motionMask, _activity);
    }

    /// <summary>
    /// The regions to search in a frame of <paramref name="frameSize"/>, each grown to hold a person-sized window of at
    /// least <paramref name="window"/>; the whole frame when they cover most of it; none when nothing moved.
    /// </summary>
    public IReadOnlyList<Rect> Regions(Size frameSize, Size window)
    {
        _regions.Clear();
        if (_activity.Empty())
        {
            return _regions;
        }

        Cv2.FindContours(_activity, out Point[][] contours, out HierarchyIndex[] _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        var scaleX = (double)frameSize.Width / _activity.Width;
        var scaleY = (double)frameSize.Height / _activity.Height;
        var frame = new Rect(0, 0, frameSize.Width, frameSize.Height);
        foreach (var contour in contours)
        {
            var box = Cv2.BoundingRect(contour);
            var x = box.X * scaleX;
            var y = box.Y * scaleY;
            var w = box.Width * scaleX;
            var h = box.Height * scaleY;

            // A moving blob is part of a person: grow it so that a detection window around the whole person fits.
            var grownW = Math.Max(w + (2 * Math.Max(w * 0.5, window.Width / 2.0)), window.Width * 1.5);
            var grownH = Math.Max(h + (2 * Math.Max(h * 0.5, window.Height / 2.0)), window.Height * 1.5);
            var rect = new Rect((int)(x + (w / 2) - (grownW / 2)), (int)(y + (h / 2) - (grownH / 2)), (int)grownW, (int)grownH) & frame;
            if (rect.Width >= window.Width && rect.Height >= window.Height)
            {
                _regions.Add(rect);
            }
        }

        Merge();
        long area = 0;
        foreach (var region in _regions)
        {
            area += (long)region.Width * region.Height;
        }

        if (area > WholeFrameAbove * frameSize.Width * frameSize.Height)
        {
            _regions.Clear();
            _regions.Add(frame);
        }

        return _regions;
    }

    private void Merge()
    {
        // Overlapping regions become their union, so that no person is searched (and counted) twice.
        for (var merged = true; merged;)
        {
            merged = false;
            for (var i = 0; i < _regions.Count && !merged; i++)
            {
                for (var j = i + 1; j < _regions.Count; j++)
                {
                    if ((_regions[i] & _regions[j]).Width > 0 && (_regions[i] & _regions[j]).Height > 0)
                    {
                        _regions[i] |= _regions[j];
                        _regions.RemoveAt(j);
                        merged = true;
                        break;
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public void Dispose() => _activity.Dispose();
}
