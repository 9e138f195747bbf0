using OpenCvSharp;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analysis;

/// <summary>
/// Fire confidence from flame colour (bright, red-to-yellow, saturated) and flicker (flames change from frame to
/// frame; an orange coat or a sunset does not). A candidate for a human to confirm, never a verdict.
/// </summary>
public sealed class FireAnalyser : IDisposable
{
    private const int AnalysisHeight = 120;

    private readonly FireOptions _options;
    private readonly AnalysisGrid _grid;
    private readonly Mat _small = new();
    private readonly Mat _hsv = new();
    private readonly Mat _flame = new();
    private readonly Mat _value = new();
    private readonly Mat _previousValue = new();
    private readonly Mat _change = new();
    private bool _hasPrevious;
    private double _flicker;

    /// <summary>Creates the analyser; zones and masks are frame fractions.</summary>
    public FireAnalyser(FireOptions options, IReadOnlyList<Point2d[]>? zones = null, IReadOnlyList<Point2d[]>? privacyMasks = null)
    {
        _options = options;
        _grid = new AnalysisGrid(zones, privacyMasks);
    }

    /// <summary>Analyses one BGR frame and returns the fire confidence, 0..1.</summary>
    public double Analyse(Mat frame)
    {
        if (frame.Channels() != 3)
        {
            return 0;
        }

        Prepare(frame.Size());
        Cv2.Resize(frame, _small, _grid.Size, 0, 0, InterpolationFlags.Linear);
        Cv2.CvtColor(_small, _hsv, ColorConversionCodes.BGR2HSV);

        // Flame colour: hue red to yellow (OpenCV hue is 0..180), clearly saturated, bright.
        Cv2.InRange(_hsv, new Scalar(0, 90, 180), new Scalar(35, 255, 255), _flame);
        Cv2.BitwiseAnd(_flame, _grid.Mask, _flame);
        var flamePixels = Cv2.CountNonZero(_flame);

        Cv2.ExtractChannel(_hsv, _value, 2);
        var flicker = 0.0;
        if (_hasPrevious && flamePixels > 0)
        {
            Cv2.Absdiff(_value, _previousValue, _change);
            flicker = Cv2.Mean(_change, _flame).Val0;
        }

        _value.CopyTo(_previousValue);
        _hasPrevious = true;

        // Flicker is smoothed over frames: one steady frame inside a fire must not drop the confidence to zero.
        _flicker = (0.7 * _flicker) + (0.3 * flicker);
        var size = Math.Min(1, (double)flamePixels / Math.Max(1, _grid.Pixels) / _options.FullShare);
        var confidence = size * Math.Min(1, _flicker / _options.FullFlicker);
        return confidence < _options.ReportAbove ? 0 : Math.Round(confidence, 2);
    }

    private void Prepare(Size frameSize)
    {
        if (_grid.Fit(frameSize, AnalysisHeight))
        {
            _hasPrevious = false;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var mat in new[] { _small, _hsv, _flame, _value, _previousValue, _change })
        {
            mat.Dispose();
        }

        _grid.Dispose();
    }
}
