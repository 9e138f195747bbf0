using OpenCvSharp;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Fire confidence from evidence that lighting cannot give: flame-coloured pixels (bright, red to yellow, saturated)
/// whose brightness goes up and down again and again, as flames flicker (roughly 1–12 Hz; a light switching on, dusk,
/// a sweeping headlight or an uncovered lens changes a pixel once), in a region that keeps flickering for seconds.
/// Frames with a global brightness change are gated out. Confidence grows with how long the evidence has lasted.
/// A candidate for a human to confirm, never a verdict.
/// </summary>
public sealed class FireAnalyser : IDisposable
{
    private const int AnalysisHeight = 120;

    // A pixel's brightness step counts as a flicker half-cycle above this many grey levels (sensor noise stays below).
    private const double StepAbove = 14;

    private readonly FireOptions _options;
    private readonly AnalysisGrid _grid;
    private readonly Mat _small = new();
    private readonly Mat _hsv = new();
    private readonly Mat _flame = new();
    private readonly Mat _flameRecent = new();
    private readonly Mat _value = new();
    private readonly Mat _previousValue = new();
    private readonly Mat _difference = new();
    private readonly Mat _up = new();
    private readonly Mat _down = new();
    private readonly Mat _wasUp = new();
    private readonly Mat _wasDown = new();
    private readonly Mat _reversal = new();
    private readonly Mat _reversals = new();
    private readonly Mat _flickering = new();
    private readonly Mat _upAfterDown = new();
    private readonly Mat _downAfterUp = new();
    private readonly Mat _recent = new();
    private bool _hasPrevious;
    private double _previousMean;
    private TimeSpan _previousTime;
    private double _evidenceSeconds;
    private double _share;

    /// <summary>Creates the analyser; zones and masks are frame fractions.</summary>
    public FireAnalyser(FireOptions options, IReadOnlyList<Point2d[]>? zones = null, IReadOnlyList<Point2d[]>? privacyMasks = null)
    {
        _options = options;
        _grid = new AnalysisGrid(zones, privacyMasks);
    }

    /// <summary>
    /// Analyses one BGR frame taken at <paramref name="time"/> and returns the fire confidence, 0..1.
    /// <paramref name="lightChanged"/>: the motion analyser saw the whole scene change at once (light, not flame).
    /// </summary>
    public double Analyse(Mat frame, TimeSpan time, bool lightChanged = false)
    {
        if (frame.Channels() != 3)
        {
            return 0;
        }

        Prepare(frame.Size());
        Cv2.Resize(frame, _small, _grid.Size, 0, 0, InterpolationFlags.Linear);
        Cv2.CvtColor(_small, _hsv, ColorConversionCodes.BGR2HSV);

        // Flame colour: hue red to yellow (OpenCV hue is 0..180), clearly saturated, bright.
        Cv2.InRange(_hsv, new Scalar(0, 90, 170), new Scalar(35, 255, 255), _flame);
        Cv2.BitwiseAnd(_flame, _grid.Mask, _flame);
        Cv2.ExtractChannel(_hsv, _value, 2);
        var mean = Cv2.Mean(_value, _grid.Mask).Val0;
        var seconds = _hasPrevious ? Math.Clamp((time - _previousTime).TotalSeconds, 0.01, 1) : 0.1;
        var decay = Math.Exp(-seconds / _options.FlickerMemorySeconds);

        if (!_hasPrevious)
        {
            Start();
        }
        else if (lightChanged || Math.Abs(mean - _previousMean) > _options.GlobalChangeAbove)
        {
            // The light changed (switched on, dusk, a lens uncovered): every pixel moved at once, which says nothing
            // about flames. Start the flicker history again from this frame; the evidence so far fades.
            Start();
            _evidenceSeconds = Math.Max(0, _evidenceSeconds - (2 * seconds));
        }
        else
        {
            // A reversal: a pixel that went up now goes down, or the other way round.
            Cv2.Subtract(_value, _previousValue, _difference, null, MatType.CV_16S);
            Cv2.Compare(_difference, Scalar.All(StepAbove), _up, CmpTypes.GT);
            Cv2.Compare(_difference, Scalar.All(-StepAbove), _down, CmpTypes.LT);
            Cv2.BitwiseAnd(_up, _wasDown, _upAfterDown);
            Cv2.BitwiseAnd(_down, _wasUp, _downAfterUp);
            Cv2.BitwiseOr(_upAfterDown, _downAfterUp, _reversal);

            // Remember each pixel's last direction.
            _wasUp.SetTo(Scalar.All(255), _up);
            _wasDown.SetTo(Scalar.All(0), _up);
            _wasDown.SetTo(Scalar.All(255), _down);
            _wasUp.SetTo(Scalar.All(0), _down);

            // Reversals per pixel, fading over the flicker memory: a flame reverses every few frames, a passer-by once.
            Cv2.Multiply(_reversals, Scalar.All(decay), _reversals);
            Cv2.Add(_reversals, Scalar.All(1), _reversals, _reversal);

            // Flame colour within the last second: flames are darker between flickers.
            var fade = Math.Ceiling(255 * seconds / _options.FlickerMemorySeconds);
            Cv2.Subtract(_flameRecent, Scalar.All(fade), _flameRecent);
            Cv2.Max(_flameRecent, _flame, _flameRecent);

            Cv2.Compare(_reversals, Scalar.All(_options.MinReversals), _flickering, CmpTypes.GE);
            Cv2.Threshold(_flameRecent, _recent, 0, 255, ThresholdTypes.Binary);
            Cv2.BitwiseAnd(_flickering, _recent, _flickering);

            var share = (double)Cv2.CountNonZero(_flickering) / Math.Max(1, _grid.Pixels);
            _share = (0.7 * _share) + (0.3 * share);

            // Evidence is time spent flickering in a region big enough; it grows while the region persists.
            _evidenceSeconds = share >= _options.MinShare
                ? _evidenceSeconds + seconds
                : Math.Max(0, _evidenceSeconds - (2 * seconds));
        }

        _value.CopyTo(_previousValue);
        _previousMean = mean;
        _previousTime = time;
        _hasPrevious = true;

        var confidence = Math.Min(1, _evidenceSeconds / _options.FullSeconds) * Math.Min(1, _share / _options.FullShare);
        return confidence < _options.ReportAbove ? 0 : Math.Round(confidence, 2);
    }

    /// <summary>Forgets all evidence (the view was covered or moved: what came before is not this scene).</summary>
    public void Reset()
    {
        _hasPrevious = false;
        _evidenceSeconds = 0;
        _share = 0;
    }

    private void Start()
    {
        _wasUp.Create(_grid.Size, MatType.CV_8UC1);
        _wasUp.SetTo(Scalar.All(0));
        _wasDown.Create(_grid.Size, MatType.CV_8UC1);
        _wasDown.SetTo(Scalar.All(0));
        _reversals.Create(_grid.Size, MatType.CV_32FC1);
        _reversals.SetTo(Scalar.All(0));
        _flame.CopyTo(_flameRecent);
        _share = 0;
    }

    private void Prepare(Size frameSize)
    {
        if (_grid.Fit(frameSize, AnalysisHeight))
        {
            Reset();
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var mat in new[] { _small, _hsv, _flame, _flameRecent, _value, _previousValue, _difference, _up, _down, _wasUp, _wasDown, _reversal, _reversals, _flickering, _upAfterDown, _downAfterUp, _recent })
        {
            mat.Dispose();
        }

        _grid.Dispose();
    }
}
