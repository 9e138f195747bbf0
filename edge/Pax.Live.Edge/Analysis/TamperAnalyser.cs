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
/// reference learned while the view was clear. A condition must hold for a while before it is reported.
/// </summary>
public sealed class TamperAnalyser(TamperOptions options) : IDisposable
{
    private static readonly Size AnalysisSize = new(64, 48);

    private readonly Mat _small = new();
    private readonly Mat _gray = new();
    private readonly Mat _edges = new();
    private readonly Mat _reference = new();
    private readonly Mat _correlation = new();
    private double _referenceEdges;
    private bool _hasReference;
    private TimeSpan? _suspectSince;

    /// <summary>What the last frame looked like, before the hold time.</summary>
    public TamperCause Cause { get; private set; }

    /// <summary>Whether tampering is reported: a cause that has held for the hold time.</summary>
    public bool Tampered { get; private set; }

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
        Cv2.Laplacian(_gray, _edges, MatType.CV_16S);
        Cv2.MeanStdDev(_edges, out _, out var edgeStd);
        var edgeEnergy = edgeStd.Val0;

        Cause = Classify(mean.Val0, stdDev.Val0, edgeEnergy);
        if (Cause == TamperCause.None)
        {
            _suspectSince = null;
            Tampered = false;
            Learn(edgeEnergy);
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

        Cv2.MatchTemplate(_gray, _reference, _correlation, TemplateMatchModes.CCoeffNormed);
        return _correlation.At<float>(0, 0) < options.MovedBelow ? TamperCause.Moved : TamperCause.None;
    }

    private void Learn(double edgeEnergy)
    {
        if (!_hasReference)
        {
            _gray.CopyTo(_reference);
            _referenceEdges = edgeEnergy;
            _hasReference = true;
            return;
        }

        // The reference follows slow change (daylight, seasons, a parked van) but not a sudden new view.
        Cv2.AddWeighted(_reference, 0.98, _gray, 0.02, 0, _reference);
        _referenceEdges = (0.98 * _referenceEdges) + (0.02 * edgeEnergy);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _small.Dispose();
        _gray.Dispose();
        _edges.Dispose();
        _reference.Dispose();
        _correlation.Dispose();
    }
}
