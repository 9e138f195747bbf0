using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Tests;

public sealed class PrivacyByDesignTests
{
    [Fact]
    public void PrivacyMaskIsBlackedOutInTheFrameBeforeAnyAnalyserSeesIt()
    {
        using var frame = Footage.Frames([200])[200];
        using var original = frame.Clone();
        using var pipeline = new CameraPipeline(new CameraOptions { Source = "test", PrivacyMasks = ["0,0 0.5,0 0.5,1 0,1"] });

        pipeline.Analyse(frame, TimeSpan.Zero);

        // The analysers worked on this very Mat: its left half is black, not merely ignored afterwards.
        using var left = new Mat(frame, new Rect(0, 0, 384, 576));
        using var right = new Mat(frame, new Rect(388, 0, 380, 576));
        using var originalRight = new Mat(original, new Rect(388, 0, 380, 576));
        using var leftGray = left.CvtColor(ColorConversionCodes.BGR2GRAY);
        Assert.Equal(0, Cv2.CountNonZero(leftGray));
        Assert.Equal(0, Cv2.Norm(right, originalRight, NormTypes.L1));
    }

    [Fact]
    public void PeopleBehindAPrivacyMaskAreNotCounted()
    {
        using var frame = Footage.Frames([125])[125];
        using var people = new PeopleAnalyser(new PeopleOptions());
        var unmasked = people.Count(frame);
        Assert.True(unmasked >= 3, $"{unmasked} people in the clear frame");

        using var pipeline = new CameraPipeline(new CameraOptions { Source = "test", PrivacyMasks = ["0,0 1,0 1,1 0,1"] });
        pipeline.Analyse(frame, TimeSpan.Zero);
        Assert.Equal(0, people.Count(frame));
    }

    [Fact]
    public void AgentUsesNoIdentifyingOrImageWritingApi()
    {
        // No face, plate or person-identifying analysis, and nothing that writes or encodes a picture: checked on the
        // compiled agent, so that a later change cannot bring one in unnoticed.
        string[] forbidden =
        [
            "CascadeClassifier", "FaceDetectorYN", "FaceRecognizerSF", "FaceRecognizer", "Facemark", "Net", "CvDnn", "TextDetectionModel",
            "TextRecognitionModel", "OCRTesseract", "VideoWriter", "ImWrite", "ImEncode", "ToBytes", "WriteToStream", "ImShow",
        ];
        var path = typeof(CameraPipeline).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            used.Add(metadata.GetString(metadata.GetTypeReference(handle).Name));
        }

        foreach (var handle in metadata.MemberReferences)
        {
            used.Add(metadata.GetString(metadata.GetMemberReference(handle).Name));
        }

        Assert.Contains("HOGDescriptor", used);
        Assert.Equal("", string.Join(", ", forbidden.Where(used.Contains)));
    }
}
