using System.Text.Json;
using Pax.Live.Contracts;

namespace Pax.Live.Edge.Tests;

/// <summary><c>pax-edge analyse</c>: the live camera's analysis on a recording, one JSON line per message on stdout.</summary>
public sealed class AnalyseCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("pax-edge-analyse-").FullName;

    [Fact]
    public async Task RecordingGivesOneLinePerMessageStampedWithEpochPlusMediaTime()
    {
        var run = await Analysed.RunAsync(Footage.Vtest, "--epoch", "1764161000000");

        Assert.Equal(0, run.ExitCode);

        // vtest.avi: 795 frames at 10 fps, 2 messages a second from media time 0 on.
        Assert.Equal(159, run.Messages.Count);
        for (var i = 0; i < run.Messages.Count; i++)
        {
            Assert.Equal(1_764_161_000_000 + (i * 500), run.Messages[i].Ts);
            Assert.Equal(Topic.Signals("analyse", "analyse"), run.Messages[i].Topic);
            Assert.NotNull(run.Messages[i][SignalKind.Motion]);
            Assert.NotNull(run.Messages[i][SignalKind.People]);
        }

        // Logs never mix with the JSON lines.
        Assert.Contains("159 messages", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("info:", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NamedDeviceOfConfigGivesItsTopicAndItsSettings()
    {
        var config = Path.Combine(_directory, "edge.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Edge = new
            {
                Cameras = new object[]
                {
                    new { DeviceId = "cam-1", PlaceId = "stora-torget", Source = "rtsp://192.0.2.1/x", People = new { Enabled = false }, RateHz = 1 },
                    new { DeviceId = "cam-2", PlaceId = "storgatan", Source = "rtsp://192.0.2.2/x" },
                },
            },
        }));

        var run = await Analysed.RunAsync(Footage.Vtest, "--config", config, "--device", "cam-1");

        Assert.Equal(0, run.ExitCode);
        Assert.InRange(run.Messages.Count, 79, 80);
        Assert.All(run.Messages, m => Assert.Equal(Topic.Signals("stora-torget", "cam-1"), m.Topic));
        Assert.All(run.Messages, m => Assert.Null(m[SignalKind.People]));
        // The default epoch is 0; media time 0 is stamped 1 ms, as contract v1 wants ts > 0.
        Assert.Equal(1, run.Messages[0].Ts);
        Assert.Equal(1000, run.Messages[1].Ts);

        var ambiguous = await Analysed.RunAsync(Footage.Vtest, "--config", config);
        Assert.Equal(2, ambiguous.ExitCode);
        Assert.Contains("--device", ambiguous.Stderr, StringComparison.Ordinal);
        Assert.Empty(ambiguous.Stdout);
    }

    [Theory]
    [InlineData("/nonexistent/clip.avi")]
    [InlineData("--epoch", "yesterday")]
    [InlineData("--device", "cam-1")]
    public async Task BadArgumentsExitTwoWithNothingOnStdout(params string[] args)
    {
        var withFile = args[0].StartsWith("--", StringComparison.Ordinal) ? [Footage.Vtest, .. args] : args;
        var run = await Analysed.RunAsync(withFile);
        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("usage: pax-edge analyse", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FileThatIsNoVideoFailsWithAReason()
    {
        var junk = Path.Combine(_directory, "junk.avi");
        File.WriteAllText(junk, "not a video");
        var run = await Analysed.RunAsync(junk);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains("junk.avi", run.Stderr, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
