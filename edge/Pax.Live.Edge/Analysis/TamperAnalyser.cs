using OpenCvSharp;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analysis;

/// <summary>Why the view is not to be trusted.</summary>
public enum TamperCause
{
    /// <summary>The view looks like its reference.</summary>
    None,
    /// <summary>Brightness collapsed: covered, sprayed, or the light is gone.</summary>
    Covered,
    /// <summary>Bright and featureless: a lamp or laser in the lens.</summary>
    Blinded,
    /// <summary>The edges are gone: defocused, fogged or smeared.</summary>
    Defocused,
    /// <summary>Textured, but no longer the scene of the reference: the camera was turned.</summary>
    Moved,
}

/// <summary>
/// Decides whether the camera is covered, blinded, defocused or moved, by comparing a small grayscale view with a
/// reference learned while the view was clear. "Moved" is judged cell by cell: a person or a car changes a few cells,
/// a turned camera (whatever fills the border: black, the wrapped picture, a new scene) changes most of them; a change
/// of light changes none, as each cell is compared by normalised correlation. A condition must hold for a while before
/// it is reported.
/// </summary>
public sealed class TamperAnalyser(TamperOptions options) : IDisposable
{
    private static readonly Size AnalysisSize = new(64, 48);

    // Sharpness is judged on a larger view: at 64×48 a defocused 576-line picture still looks sharp.
    private static readonly Size SharpnessSize = new(256, 192);
    private const int CellsX = 4;
    private const int CellsY = 4;

    // The reference follows slow change (daylight, seasons, a parked van) with this time constant, not a sudden new view.
    private const double LearnSeconds = 30;

    private readonly Mat _small = new();
    private readonly Mat _sharpSmall = new();
    private readonly Mat _sharpGray = new();
    private readonly Mat _gray = new();
    private readonly Mat _edges = new();
    private readonly Mat _reference = new();
    private double _referenceEdges;
    private bool _hasReference;
    private TimeSpan _learnedAt;
    private TimeSpan? _suspectSince;

    /// <summary>What the last frame looked like, before the hold time.</summary>
    public TamperCause Cause { get; private set; }

    /// <summary>Whether tampering is reported: a cause that has held for the hold time.</summary>
    public bool Tampered { get; private set; }

    /// <summary>Share of the reference's textured cells that the last frame matched (1 before a reference exists).</summary>
    public double Matched { get; private set; } = 1;

    /// <summary>Analyses one BGR frame taken at <paramref name="time"/> (any monotonic clock) and returns whether tampering is reported.</summary>
    public bool Analyse(Mat frame, TimeSpan time)
    {
        Cv2.Resize(frame, _small, AnalysisSize, 0, 0, InterpolationFlags.Area);
        if (_small.Channels() == 1)
        {
            _small.CopyTo(_gray);
        }
        else
        {
            Cv2.CvtColor(_small, _gray, ColorConversionCodes.BGR2GRAY);
        }

        Cv2.MeanStdDev(_gray, out var mean, out var stdDev);
        Cv2.Resize(frame, _sharpSmall, SharpnessSize, 0, 0, InterpolationFlags.Area);
        if (_sharpSmall.Channels() == 1)
        {
            _sharpSmall.CopyTo(_sharpGray);
        }
        else
        {
            Cv2.CvtColor(_sharpSmall, _sharpGray, ColorConversionCodes.BGR2GRAY);
        }

        Cv2.Laplacian(_sharpGray, _edges, MatType.CV_16S);
        Cv2.MeanStdDev(_edges, out _, out var edgeStd);
        var edgeEnergy = edgeStd.Val0;

        Cause = Classify(mean.Val0, stdDev.Val0, edgeEnergy);
        if (Cause == TamperCause.None)
        {
            _suspectSince = null;
            Tampered = false;
            Learn(edgeEnergy, time);
        }
        else
        {
            _suspectSince ??= time;
            Tampered = time - _suspectSince.Value >= TimeSpan.FromSeconds(options.HoldSeconds);
        }

        return Tampered;
    }

    private TamperCause Classify(double mean, double stdDev, double edgeEnergy)
    {
        Matched = 1;
        if (mean < options.DarkBelow)
        {
            return TamperCause.Covered;
        }

        if (mean > options.BrightAbove && stdDev < 10)
        {
            return TamperCause.Blinded;
        }

        // A uniform picture at any brightness is a cover, a hand or a bag, even before a reference exists.
        if (stdDev < 4)
        {
            return TamperCause.Covered;
        }

        if (!_hasReference)
        {
            return TamperCause.None;
        }

        if (edgeEnergy < options.EdgeLossBelow * _referenceEdges)
        {
            return TamperCause.Defocused;
        }

        Matched = MatchedCells();
        return Matched < options.MovedBelow ? TamperCause.Moved : TamperCause.None;
    }

    private double MatchedCells()
    {
        var w = AnalysisSize.Width / CellsX;
        var h = AnalysisSize.Height / CellsY;
        int textured = 0, matched = 0;
        for (var y = 0; y < CellsY; y++)
        {
            for (var x = 0; x < CellsX; x++)
            {
                var rect = new Rect(x * w, y * h, w, h);
                using var reference = new Mat(_reference, rect);
                Cv2.MeanStdDev(reference, out _, out var referenceStd);
                if (referenceStd.Val0 < 4)
                {
                    // A flat cell (sky, an empty wall) matches anything flat and correlates with nothing: it cannot tell.
                    continue;
                }

                textured++;
                using var current = new Mat(_gray, rect);
                Cv2.MeanStdDev(current, out _, out var currentStd);
                if (currentStd.Val0 < 2)
                {
                    continue;
                }

                using var correlation = new Mat();
                Cv2.MatchTemplate(current, reference, correlation, TemplateMatchModes.CCoeffNormed);
                if (correlation.At<float>(0, 0) >= options.CellMatchAbove)
                {
                    matched++;
                }
            }
        }

        return textured == 0 ? 1 : (double)matched / textured;
    }

    private void Learn(double edgeEnergy, TimeSpan time)
    {
        if (!_hasReference)
        {
            _gray.CopyTo(_reference);
            _referenceEdges = edgeEnergy;
            _hasReference = true;
            _learnedAt = time;
            return;
        }

        var weight = 1 - Math.Exp(-Math.Clamp((time - _learnedAt).TotalSeconds, 0, 5) / LearnSeconds);
        _learnedAt = time;
        Cv2.AddWeighted(_reference, 1 - weight, _gray, weight, 0, _reference);
        _referenceEdges = ((1 - weight) * _referenceEdges) + (weight * edgeEnergy);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _small.Dispose();
        _sharpSmall.Dispose();
        _sharpGray.Dispose();
        _gray.Dispose();
        _edges.Dispose();
        _reference.Dispose();
    }
}
