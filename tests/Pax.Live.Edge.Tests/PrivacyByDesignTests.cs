using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using OpenCvSharp;
using Pax.Live.Edge.Analysis;
using Pax.Live.Edge.Options;
using Pax.Live.Edge.Vision;

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

    [Fact]
    public void NoPeopleModelButThePinnedNanoDetIsLoaded()
    {
        var copy = Path.Combine(Path.GetTempPath(), $"pax-nanodet-{Guid.NewGuid():N}.onnx");
        try
        {
            File.Copy(NanoDetDetector.DefaultModel, copy);
            using (new NanoDetDetector(copy))
            {
                // The same bytes under another name load.
            }

            // One byte changed is another model (a face or plate network would be many more).
            using (var file = File.Open(copy, FileMode.Open))
            {
                file.Seek(file.Length / 2, SeekOrigin.Begin);
                var b = file.ReadByte();
                file.Seek(-1, SeekOrigin.Current);
                file.WriteByte((byte)(b ^ 0xff));
            }

            var refused = Assert.Throws<InvalidDataException>(() => new NanoDetDetector(copy));
            Assert.Contains("ONNX_SHA256", refused.Message);
        }
        finally
        {
            File.Delete(copy);
        }
    }

    [Fact]
    public void OfNanoDetsEightyClassesOnlyThePersonIsRead()
    {
        const int side = NanoDetDetector.InputSize / 8, classes = 80, cells = side * side;
        var boxes = new float[cells * 44];
        var everythingButPeople = new float[cells * classes];
        for (var cell = 0; cell < cells; cell++)
        {
            for (var c = 1; c < classes; c++)
            {
                everythingButPeople[(cell * classes) + c] = 0.99f;
            }
        }

        using var detector = new NanoDetDetector();
        detector.Decode(everythingButPeople, boxes, side, 8, 1, 1);
        Assert.Empty(detector.Candidates);

        everythingButPeople[100 * classes] = 0.9f;
        detector.Decode(everythingButPeople, boxes, side, 8, 1, 1);
        Assert.Equal(0.9f, Assert.Single(detector.Candidates).Score);
    }

    [Fact]
    public void AgentUsesNoSpeechOrVoiceApiAndWritesNoSound()
    {
        // No speech recognition, speaker or voice analysis, and nothing that records or encodes sound: checked on the
        // compiled agent's references, assemblies as well as types and members. ONNX Runtime is referenced for the
        // people detector (NanoDet's person count, see the image test above), so it is not on this list.
        string[] forbiddenAssemblies =
        [
            "System.Speech", "Microsoft.CognitiveServices.Speech", "Vosk", "Whisper.net", "WhisperNet", "NAudio", "NAudio.Core",
            "PortAudioSharp", "Pv.Porcupine", "DeepSpeechClient", "SpeechRecognition",
        ];
        string[] forbiddenNames =
        [
            "SpeechRecognitionEngine", "SpeechRecognizer", "SpeechSynthesizer", "SpeechConfig", "VoiceProfile", "SpeakerRecognizer",
            "VoskRecognizer", "WhisperFactory", "WhisperProcessor", "WaveFileWriter", "WaveInEvent",
        ];
        var path = typeof(Pax.Live.Edge.Audio.AudioAnalyser).Assembly.Location;
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var assemblies = metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var handle in metadata.TypeReferences)
        {
            used.Add(metadata.GetString(metadata.GetTypeReference(handle).Name));
        }

        foreach (var handle in metadata.MemberReferences)
        {
            used.Add(metadata.GetString(metadata.GetMemberReference(handle).Name));
        }

        Assert.Contains("MQTTnet", assemblies);
        Assert.Contains("ProcessStartInfo", used);
        Assert.Equal("", string.Join(", ", forbiddenAssemblies.Where(assemblies.Contains)));
        Assert.Equal("", string.Join(", ", forbiddenNames.Where(used.Contains)));
    }

    [Theory]
    [InlineData("rtsp://viewer:secret@192.0.2.10/stream")]
    [InlineData("alsa:hw:1,0")]
    [InlineData("/var/recordings/square.wav")]
    public void SoundIsReadFromFfmpegsStdoutAndWrittenNowhere(string source)
    {
        // ffmpeg's only output is "-", its stdout, which the agent reads into a buffer that the next read overwrites.
        var args = Pax.Live.Edge.Audio.AudioStream.Arguments(source, TimeSpan.FromSeconds(10));
        var inputs = args.Select((a, i) => (a, i)).Where(p => p.a == "-i").Select(p => p.i + 1).ToHashSet();
        var outputs = args.Where((a, i) => !inputs.Contains(i) && !a.StartsWith('-') && i > 0 && !args[i - 1].StartsWith('-')).ToList();
        Assert.Empty(outputs);
        Assert.Equal(["-f", "f32le", "-"], args.TakeLast(3));
        Assert.Equal(1, args.Count(a => a == "-"));
    }
}
