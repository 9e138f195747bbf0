namespace Pax.Live.Edge.Options;

/// <summary>The motion analyser: running-average background subtraction at a small analysis size.</summary>
public sealed class MotionOptions
{
    /// <summary>Whether the camera reports <c>motion</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Height in pixels the frame is scaled down to before analysis; the width keeps the aspect.</summary>
    public int AnalysisHeight { get; set; } = 100;

    /// <summary>Frames analysed per second (frames in between are decoded but not analysed).</summary>
    public double AnalysisFps { get; set; } = 10;

    /// <summary>Grey-level difference from the background that counts as change.</summary>
    public double Threshold { get; set; } = 25;

    /// <summary>How fast the background follows the scene, per analysed frame (0..1).</summary>
    public double LearningRate { get; set; } = 0.05;

    /// <summary>Share of the frame changing at once that is taken as a global change (lightning, headlights, IR switch).</summary>
    public double GlobalChangeShare { get; set; } = 0.8;

    /// <summary>Smallest blob, in analysis pixels (bounding box), reported as a motion region.</summary>
    public int MinBlobArea { get; set; } = 4;
}

/// <summary>The people analyser: NanoDet (a small DNN) on the whole watched area, or OpenCV's HOG detectors, at the detection rate.</summary>
public sealed class PeopleOptions
{
    /// <summary>Whether the camera reports <c>people</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Detections per second at most (at most 2, the limit). 1 by default: the detector is the expensive
    /// analyser (NanoDet ~45 ms a frame, HOG ~50 ms); messages between detections carry the latest count. See docs/edge.md.
    /// </summary>
    public double MaxFps { get; set; } = 1;

    /// <summary>
    /// <c>nanodet</c> (the DNN, on the whole frame: the default), <c>daimler</c> (HOG, 48×96 window, for small distant
    /// people on hardware too small for the DNN) or <c>default</c> (HOG, 64×128).
    /// </summary>
    public string Detector { get; set; } = "nanodet";

    /// <summary>NanoDet's ONNX file; empty: <c>models/nanodet.onnx</c> beside the agent, where the build puts it.</summary>
    public string Model { get; set; } = "";

    /// <summary>NanoDet: the person score a box needs to count.</summary>
    public double ScoreThreshold { get; set; } = 0.4;

    /// <summary>The published count is the median of this many latest detections (1: no smoothing).</summary>
    public int SmoothOver { get; set; } = 3;

    /// <summary>Factor the frame is scaled by before detection; above 1 finds people smaller than the window.</summary>
    public double Scale { get; set; } = 1.0;

    /// <summary>Step between pyramid levels.</summary>
    public double ScaleStep { get; set; } = 1.1;

    /// <summary>Pyramid levels at most: limits the largest person looked for, and the cost.</summary>
    public int MaxLevels { get; set; } = 8;

    /// <summary>SVM margin a window needs to count as a person; higher means fewer false people.</summary>
    public double HitThreshold { get; set; } = 0.25;

    /// <summary>Overlapping windows needed to confirm a person.</summary>
    public int GroupThreshold { get; set; } = 2;

    /// <summary>HOG: search only where something moved in the last <see cref="ActiveSeconds"/> (false: always the whole frame).</summary>
    public bool SearchActiveRegions { get; set; } = true;

    /// <summary>How long an area where something moved stays searched for people.</summary>
    public double ActiveSeconds { get; set; } = 1;

    /// <summary>Seconds after which the whole frame is searched again even without motion (people standing still do not move).</summary>
    public double RefreshSeconds { get; set; } = 30;
}

/// <summary>The loiter analyser: how long presence has lasted in the watched zones.</summary>
public sealed class LoiterOptions
{
    /// <summary>Whether the camera reports <c>loiter</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Motion share that counts as presence when no people count is available.</summary>
    public double PresenceMotion { get; set; } = 0.002;

    /// <summary>Gap in presence, in seconds, that does not yet end it (people pause, detectors miss a frame).</summary>
    public double GraceSeconds { get; set; } = 5;
}

/// <summary>The tamper analyser: covered, blinded, defocused or moved.</summary>
public sealed class TamperOptions
{
    /// <summary>Whether the camera reports <c>tamper</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Seconds a tamper condition must last before it is reported (a bus passing is not tampering).</summary>
    public double HoldSeconds { get; set; } = 3;

    /// <summary>Mean brightness below this is "covered or dark".</summary>
    public double DarkBelow { get; set; } = 12;

    /// <summary>Mean brightness above this, with little texture, is "blinded".</summary>
    public double BrightAbove { get; set; } = 235;

    /// <summary>Share of the reference's edge energy below which the view counts as covered or defocused.</summary>
    public double EdgeLossBelow { get; set; } = 0.25;

    /// <summary>Share of the reference's textured cells still matching below which the camera counts as moved.</summary>
    public double MovedBelow { get; set; } = 0.5;

    /// <summary>Correlation of a cell with the reference's above which the cell still shows the same scene.</summary>
    public double CellMatchAbove { get; set; } = 0.5;
}

/// <summary>The fire analyser: flame colour that flickers, over seconds, with global light changes gated out.</summary>
public sealed class FireOptions
{
    /// <summary>Whether the camera reports <c>fire</c>.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Share of the watched area flickering in flame colour that gives full size confidence.</summary>
    public double FullShare { get; set; } = 0.004;

    /// <summary>Share of the watched area flickering in flame colour below which there is no evidence at all.</summary>
    public double MinShare { get; set; } = 0.001;

    /// <summary>Brightness reversals a pixel needs within the flicker memory to count as flickering.</summary>
    public double MinReversals { get; set; } = 2;

    /// <summary>Seconds over which reversals (and flame colour) are remembered.</summary>
    public double FlickerMemorySeconds { get; set; } = 1;

    /// <summary>Seconds of continuous flicker evidence that give full confidence.</summary>
    public double FullSeconds { get; set; } = 2.5;

    /// <summary>Change of the mean brightness between analysed frames, in grey levels, taken as a change of light.</summary>
    public double GlobalChangeAbove { get; set; } = 4;

    /// <summary>Confidence below which no fire is reported.</summary>
    public double ReportAbove { get; set; } = 0.3;
}
