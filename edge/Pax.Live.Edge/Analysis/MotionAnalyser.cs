using OpenCvSharp;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Share of the watched area in motion: downscale → grayscale → blur → difference against a running average →
/// threshold → dilate → contours. A change over most of the frame at once is a global change (lightning, headlights,
/// the IR filter switching) and recalibrates the background instead of counting as motion.
/// </summary>
public sealed class MotionAnalyser : IDisposable
{
    private readonly MotionOptions _options;
    private readonly AnalysisGrid _grid;
    private readonly Mat _small = new();
    private readonly Mat _gray = new();
    private readonly Mat _blurred = new();
    private readonly Mat _background = new();
    private readonly Mat _background8 = new();
    private readonly Mat _difference = new();
    private readonly Mat _changed = new();
    private readonly Mat _dilated = new();
    private readonly Mat _kernel = Cv2.GetStructuringElement(MorphShapes.Rect, new Size(3, 3));
    private readonly List<Rect> _regions = [];
    private bool _hasBackground;
    private bool _regionsValid;
    private Size _frameSize;

    /// <summary>Creates the analyser; zones and masks are frame fractions.</summary>
    public MotionAnalyser(MotionOptions options, IReadOnlyList<Point2d[]>? zones = null, IReadOnlyList<Point2d[]>? privacyMasks = null)
    {
        _options = options;
        _grid = new AnalysisGrid(zones, privacyMasks);
    }

    /// <summary>Whether the last frame was a global change that reset the background.</summary>
    public bool Recalibrated { get; private set; }

    /// <summary>The blobs of the last frame, as rectangles in the full frame's pixels.</summary>
    public IReadOnlyList<Rect> Regions
    {
        get
        {
            if (!_regionsValid)
            {
                FindRegions();
            }

            return _regions;
        }
    }

    /// <summary>The motion mask of the last frame at analysis size (255 where moving, inside the zones).</summary>
    public Mat Mask => _dilated;

    /// <summary>Analyses one BGR frame and returns the share of the watched area in motion, 0..1.</summary>
    public double Analyse(Mat frame)
    {
        Prepare(frame.Size());

        // Downscaling first makes the rest cost the analysis size. Nearest sampling is 3× cheaper than linear at these
        // factors (28 µs against 78 µs on 768×576); the blur below smooths the aliasing it leaves.
        Cv2.Resize(frame, _small, _grid.Size, 0, 0, InterpolationFlags.Nearest);
        if (frame.Channels() == 1)
        {
            _small.CopyTo(_gray);
        }
        else
        {
            Cv2.CvtColor(_small, _gray, ColorConversionCodes.BGR2GRAY);
        }

        Cv2.GaussianBlur(_gray, _blurred, new Size(5, 5), 0);
        Recalibrated = false;

        if (!_hasBackground)
        {
            _blurred.ConvertTo(_background, MatType.CV_32FC1);
            _hasBackground = true;
            _dilated.SetTo(Scalar.All(0));
            _regionsValid = false;
            return 0;
        }

        _background.ConvertTo(_background8, MatType.CV_8UC1);
        Cv2.Absdiff(_blurred, _background8, _difference);
        Cv2.Threshold(_difference, _changed, _options.Threshold, 255, ThresholdTypes.Binary);
        var changedShare = (double)Cv2.CountNonZero(_changed) / (_grid.Size.Width * _grid.Size.Height);
        if (changedShare >= _options.GlobalChangeShare)
        {
            // The whole scene changed at once: that is light, not movement. Start again from this frame.
            _blurred.ConvertTo(_background, MatType.CV_32FC1);
            Recalibrated = true;
            _dilated.SetTo(Scalar.All(0));
            _regionsValid = false;
            return 0;
        }

        Cv2.AccumulateWeighted(_blurred, _background, _options.LearningRate, new Mat());
        Cv2.Dilate(_changed, _dilated, _kernel);
        Cv2.BitwiseAnd(_dilated, _grid.Mask, _dilated);
        _frameSize = frame.Size();
        _regionsValid = false;
        return _grid.Pixels == 0 ? 0 : Math.Min(1, (double)Cv2.CountNonZero(_dilated) / _grid.Pixels);
    }

    /// <summary>Forgets the background; the next frame becomes it.</summary>
    public void Reset() => _hasBackground = false;

    private void FindRegions()
    {
        // Contours only when asked for: the share needs just the pixel count, and contours cost as much as the rest.
        _regions.Clear();
        _regionsValid = true;
        if (!_hasBackground || _dilated.Empty())
        {
            return;
        }

        Cv2.FindContours(_dilated, out Point[][] contours, out HierarchyIndex[] _, RetrievalModes.External, ContourApproximationModes.ApproxSimple);
        var scaleX = (double)_frameSize.Width / _grid.Size.Width;
        var scaleY = (double)_frameSize.Height / _grid.Size.Height;
        foreach (var contour in contours)
        {
            var box = Cv2.BoundingRect(contour);
            if (box.Width * box.Height < _options.MinBlobArea)
            {
                continue;
            }

            _regions.Add(new Rect((int)(box.X * scaleX), (int)(box.Y * scaleY), (int)Math.Ceiling(box.Width * scaleX), (int)Math.Ceiling(box.Height * scaleY)));
        }
    }

    private void Prepare(Size frameSize)
    {
        if (_grid.Fit(frameSize, _options.AnalysisHeight))
        {
            _hasBackground = false;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var mat in new[] { _small, _gray, _blurred, _background, _background8, _difference, _changed, _dilated, _kernel })
        {
            mat.Dispose();
        }

        _grid.Dispose();
    }
}
