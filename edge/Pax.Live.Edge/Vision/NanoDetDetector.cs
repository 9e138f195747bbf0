using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using OpenCvSharp;

namespace Pax.Live.Edge.Vision;

/// <summary>
/// People boxes from NanoDet (COCO, 416×416, class 0 = person) through ONNX Runtime on one thread. Preprocessing and
/// decoding are NanoDet's own: BGR, plain resize, per-channel mean and std; GFL boxes (4 sides × 11 bins, reg_max 10)
/// over strides 8, 16 and 32; then non-maximum suppression, so that one person is one box. Boxes stay in the process:
/// the analyser publishes only how many there are.
/// </summary>
public sealed class NanoDetDetector : IDisposable
{
    /// <summary>The model's input side in pixels.</summary>
    public const int InputSize = 416;

    /// <summary>Where the build puts the converted model: beside the agent's assembly.</summary>
    public static readonly string DefaultModel = Path.Combine(AppContext.BaseDirectory, "models", "nanodet.onnx");

    private const int Bins = 11;
    private const int Classes = 80;
    private static readonly float[] Mean = [103.53f, 116.28f, 123.675f];
    private static readonly float[] Std = [57.375f, 57.12f, 58.395f];

    private readonly InferenceSession _session;
    private readonly string _inputName;
    private readonly float[] _input = new float[3 * InputSize * InputSize];
    private readonly DenseTensor<float> _tensor;
    private readonly Mat _resized = new();
    private readonly Mat _float = new();
    private readonly List<(float Score, Rect2f Box)> _candidates = [];

    /// <summary>Loads the model; throws <see cref="FileNotFoundException"/> with the reason when it is missing.</summary>
    public NanoDetDetector(string? modelPath = null)
    {
        var path = string.IsNullOrEmpty(modelPath) ? DefaultModel : modelPath;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"The people detector's model is missing: {path} (the edge project's build makes it from Models/nanodet.lock; or set People:Detector to daimler for HOG).", path);
        }

        // The only network this agent runs is the pinned NanoDet, of which only the person class is read (Decode).
        var expected = PinnedSha256();
        var actual = Sha256Of(path);
        if (!string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDataException($"The people detector's model {path} is not the pinned NanoDet (sha256 {actual}, nanodet.lock's ONNX_SHA256 is {expected}): the agent loads no other model.");
        }

        // One thread: a camera is one core's worth of work, and cameras run side by side (OpenCvThreads = 1 likewise).
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        _session = new InferenceSession(path, options);
        _inputName = _session.InputMetadata.Keys.First();
        _tensor = new DenseTensor<float>(_input, [1, 3, InputSize, InputSize]);
    }

    /// <summary>The sha256 of the model the build converted, from nanodet.lock, compiled into the agent.</summary>
    internal static string PinnedSha256() =>
        typeof(NanoDetDetector).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "NanoDetOnnxSha256").Value!;

    private static string Sha256Of(string path)
    {
        using var file = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(file));
    }

    /// <summary>Score a box needs to count as a person.</summary>
    public float ScoreThreshold { get; set; } = 0.4f;

    /// <summary>Overlap (intersection over union) above which the weaker of two boxes is the same person.</summary>
    public float NmsThreshold { get; set; } = 0.5f;

    /// <summary>The people in a BGR frame, as boxes in the frame's pixels, strongest first.</summary>
    public List<Rect> Detect(Mat frame)
    {
        Cv2.Resize(frame, _resized, new Size(InputSize, InputSize), 0, 0, InterpolationFlags.Linear);
        _resized.ConvertTo(_float, MatType.CV_32FC3);
        Cv2.Subtract(_float, new Scalar(Mean[0], Mean[1], Mean[2]), _float);
        Cv2.Multiply(_float, new Scalar(1 / Std[0], 1 / Std[1], 1 / Std[2]), _float);
        Cv2.Split(_float, out var planes);
        const int plane = InputSize * InputSize;
        for (var c = 0; c < 3; c++)
        {
            Marshal.Copy(planes[c].Data, _input, c * plane, plane);
            planes[c].Dispose();
        }

        _candidates.Clear();
        using (var results = _session.Run([NamedOnnxValue.CreateFromTensor(_inputName, _tensor)]))
        {
            // Outputs come per stride: scores [1, cells, 80] and box distributions [1, cells, 44], told apart by shape.
            var scores = new Dictionary<int, float[]>();
            var boxes = new Dictionary<int, float[]>();
            foreach (var result in results)
            {
                var tensor = result.AsTensor<float>();
                var target = tensor.Dimensions[2] == Classes ? scores : boxes;
                target[tensor.Dimensions[1]] = tensor.ToArray();
            }

            var scaleX = (float)frame.Width / InputSize;
            var scaleY = (float)frame.Height / InputSize;
            foreach (var stride in (int[])[8, 16, 32])
            {
                var side = InputSize / stride;
                Decode(scores[side * side], boxes[side * side], side, stride, scaleX, scaleY);
            }
        }

        return Suppress();
    }

    /// <summary>The boxes one stride's outputs hold before suppression; only column 0 (person) of the scores is read.</summary>
    internal IReadOnlyList<(float Score, Rect2f Box)> Candidates => _candidates;

    internal void Decode(float[] scores, float[] boxes, int side, int stride, float scaleX, float scaleY)
    {
        Span<float> distances = stackalloc float[4];
        for (var cell = 0; cell < side * side; cell++)
        {
            var score = scores[cell * Classes];
            if (score < ScoreThreshold)
            {
                continue;
            }

            // Each side's distance is the expectation of a softmax over 11 bins, in units of the stride.
            for (var s = 0; s < 4; s++)
            {
                var offset = (cell * 4 * Bins) + (s * Bins);
                var max = float.MinValue;
                for (var b = 0; b < Bins; b++)
                {
                    max = Math.Max(max, boxes[offset + b]);
                }

                float sum = 0, expected = 0;
                for (var b = 0; b < Bins; b++)
                {
                    var e = MathF.Exp(boxes[offset + b] - max);
                    sum += e;
                    expected += e * b;
                }

                distances[s] = expected / sum * stride;
            }

            var cx = ((cell % side) + 0.5f) * stride;
            var cy = ((cell / side) + 0.5f) * stride;
            var x1 = Math.Max(0, cx - distances[0]);
            var y1 = Math.Max(0, cy - distances[1]);
            var x2 = Math.Min(InputSize, cx + distances[2]);
            var y2 = Math.Min(InputSize, cy + distances[3]);
            _candidates.Add((score, new Rect2f(x1 * scaleX, y1 * scaleY, (x2 - x1) * scaleX, (y2 - y1) * scaleY)));
        }
    }

    private List<Rect> Suppress()
    {
        _candidates.Sort((a, b) => b.Score.CompareTo(a.Score));
        var kept = new List<Rect2f>();
        foreach (var (_, box) in _candidates)
        {
            var overlaps = false;
            foreach (var other in kept)
            {
                if (Iou(box, other) > NmsThreshold)
                {
                    overlaps = true;
                    break;
                }
            }

            if (!overlaps)
            {
                kept.Add(box);
            }
        }

        var rects = new List<Rect>(kept.Count);
        foreach (var box in kept)
        {
            rects.Add(new Rect((int)box.X, (int)box.Y, (int)Math.Ceiling(box.Width), (int)Math.Ceiling(box.Height)));
        }

        return rects;
    }

    private static float Iou(Rect2f a, Rect2f b)
    {
        var w = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left);
        var h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var intersection = w * h;
        return intersection / ((a.Width * a.Height) + (b.Width * b.Height) - intersection);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _session.Dispose();
        _resized.Dispose();
        _float.Dispose();
    }
}
