using OpenCvSharp;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Vision;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Counts people with NanoDet (a small DNN, <see cref="NanoDetDetector"/>) by default, or with OpenCV's built-in HOG
/// pedestrian detectors on hardware too small for it. It counts shapes, never identifies anyone: no face, no
/// appearance, nothing kept between detections but the number.
/// </summary>
public sealed class PeopleAnalyser : IDisposable
{
    private readonly PeopleOptions _options;
    private readonly IReadOnlyList<Point2d[]> _zones;
    private readonly IReadOnlyList<Point2d[]> _privacyMasks;
    private readonly HOGDescriptor? _hog;
    private readonly NanoDetDetector? _nanoDet;
    private readonly Mat _gray = new();
    private readonly Mat _scaled = new();
    private Mat? _zoneMask;
    private Size _frameSize;

    /// <summary>Creates the analyser; zones and masks are frame fractions.</summary>
    public PeopleAnalyser(PeopleOptions options, IReadOnlyList<Point2d[]>? zones = null, IReadOnlyList<Point2d[]>? privacyMasks = null)
    {
        _options = options;
        _zones = zones ?? [];
        _privacyMasks = privacyMasks ?? [];
        if (string.Equals(options.Detector, "nanodet", StringComparison.OrdinalIgnoreCase))
        {
            _nanoDet = new NanoDetDetector(options.Model) { ScoreThreshold = (float)options.ScoreThreshold };
            return;
        }

        if (string.Equals(options.Detector, "default", StringComparison.OrdinalIgnoreCase))
        {
            _hog = new HOGDescriptor();
            _hog.SetSVMDetector(HOGDescriptor.GetDefaultPeopleDetector());
        }
        else
        {
            // Daimler's 48×96 window finds the small, distant people a camera over a square sees, without upscaling.
            _hog = new HOGDescriptor(new Size(48, 96), new Size(16, 16), new Size(8, 8), new Size(8, 8), 9);
            _hog.SetSVMDetector(HOGDescriptor.GetDaimlerPeopleDetector());
        }

        // Fewer pyramid levels bound the largest person looked for, and with it most of the cost.
        _hog.NLevels = Math.Max(1, options.MaxLevels);
    }

    /// <summary>The people found by the last count, in the full frame's pixels.</summary>
    public IReadOnlyList<Rect> Detections { get; private set; } = [];

    /// <summary>Whether the detector looks at the whole frame at once (the DNN), so that searching parts of it saves nothing.</summary>
    public bool WholeFrame => _nanoDet is not null;

    /// <summary>The detection window in frame pixels at the smallest scale (HOG; the DNN has none).</summary>
    public Size Window => _hog is null ? new Size(0, 0) : new((int)Math.Ceiling(_hog.WinSize.Width / _options.Scale), (int)Math.Ceiling(_hog.WinSize.Height / _options.Scale));

    /// <summary>Counts the people whose feet stand in the watched zones of a BGR frame, searching the whole frame.</summary>
    public int Count(Mat frame) => Count(frame, null);

    /// <summary>
    /// Counts the people whose feet stand in the watched zones of a BGR frame, searching only <paramref name="regions"/>
    /// (non-overlapping, in frame pixels; null: the whole frame).
    /// </summary>
    public int Count(Mat frame, IReadOnlyList<Rect>? regions)
    {
        Prepare(frame.Size());
        if (_nanoDet is not null)
        {
            var people = new List<Rect>();
            if (frame.Channels() == 3)
            {
                foreach (var box in _nanoDet.Detect(frame))
                {
                    // The DNN's boxes are tight: the feet are at the bottom.
                    if (FeetInZone(new Point(box.X + (box.Width / 2), box.Bottom - 1)))
                    {
                        people.Add(box);
                    }
                }
            }

            Detections = people;
            return people.Count;
        }

        if (frame.Channels() == 1)
        {
            frame.CopyTo(_gray);
        }
        else
        {
            // HOG on grayscale costs a third of colour and loses little: gradients of people are mostly luminance.
            Cv2.CvtColor(frame, _gray, ColorConversionCodes.BGR2GRAY);
        }

        var kept = new List<Rect>();
        if (regions is null)
        {
            Detect(_gray, new Point(0, 0), kept);
        }
        else
        {
            foreach (var region in regions)
            {
                using var part = new Mat(_gray, region);
                Detect(part, region.Location, kept);
            }
        }

        Detections = kept;
        return kept.Count;
    }

    private void Detect(Mat gray, Point offset, List<Rect> kept)
    {
        var input = gray;
        if (Math.Abs(_options.Scale - 1) > 1e-6)
        {
            Cv2.Resize(gray, _scaled, new Size(), _options.Scale, _options.Scale, InterpolationFlags.Linear);
            input = _scaled;
        }

        if (input.Width < _hog!.WinSize.Width || input.Height < _hog.WinSize.Height)
        {
            return;
        }

        var found = _hog.DetectMultiScale(input, _options.HitThreshold, new Size(8, 8), new Size(0, 0), _options.ScaleStep, _options.GroupThreshold);
        foreach (var rect in found)
        {
            var r = new Rect(
                offset.X + (int)(rect.X / _options.Scale), offset.Y + (int)(rect.Y / _options.Scale),
                (int)(rect.Width / _options.Scale), (int)(rect.Height / _options.Scale));

            // The window has a margin around the person: the feet are about 10 % above its bottom.
            if (FeetInZone(new Point(r.X + (r.Width / 2), r.Bottom - (r.Height / 10))))
            {
                kept.Add(r);
            }
        }
    }

    private bool FeetInZone(Point feet) =>
        _zoneMask!.At<byte>(Math.Clamp(feet.Y, 0, _frameSize.Height - 1), Math.Clamp(feet.X, 0, _frameSize.Width - 1)) != 0;

    private void Prepare(Size frameSize)
    {
        if (frameSize == _frameSize)
        {
            return;
        }

        _frameSize = frameSize;
        _zoneMask?.Dispose();
        _zoneMask = Polygons.ZoneMask(frameSize, _zones, _privacyMasks);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _hog?.Dispose();
        _nanoDet?.Dispose();
        _gray.Dispose();
        _scaled.Dispose();
        _zoneMask?.Dispose();
    }
}
