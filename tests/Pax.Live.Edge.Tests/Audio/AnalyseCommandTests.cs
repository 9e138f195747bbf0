using System.Diagnostics;
using System.Text.Json;

namespace Pax.Live.Edge.Tests.Audio;

/// <summary><c>pax-edge analyse FILE</c> on sound, run as the deployed program is.</summary>
public sealed class AnalyseCommandTests
{
    [Fact]
    public async Task AnalysePrintsOneJsonLinePerMessageStampedEpochPlusMediaTime()
    {
        var file = Path.Combine(Sounds.Directory, "analyse-shot.wav");
        var mix = Beds.Make("speech-en", 4, seed: 11);
        Sounds.Mix(mix, Sounds.Friedlander(0.5, 8, 12000, 2), (int)(2.5 * Sounds.Rate));
        Sounds.WriteWav(file, mix);
        var config = Path.Combine(Sounds.Directory, "analyse-edge.json");
        await File.WriteAllTextAsync(config, """
            { "Edge": { "Microphones": [ { "DeviceId": "mic-7", "PlaceId": "storgatan", "Source": "alsa:default", "FullScaleDb": 110 } ] } }
            """);

        var lines = await Analyse(file, "--config", config, "--device", "mic-7", "--epoch", "1800000000000");

        Assert.Equal(5, lines.Count);
        Assert.All(lines, l => Assert.Equal("pax/v1/storgatan/mic-7/signals", l.RootElement.GetProperty("topic").GetString()));
        var impulse = Assert.Single(lines, l => Kind(l) == "impulse");
        Assert.InRange(impulse.RootElement.GetProperty("payload").GetProperty("ts").GetInt64(), 1_800_000_002_480, 1_800_000_002_520);
        var levels = lines.Where(l => Kind(l) == "sound").Select(l => l.RootElement.GetProperty("payload").GetProperty("ts").GetInt64()).ToList();
        Assert.Equal([1_800_000_001_000, 1_800_000_002_000, 1_800_000_003_000, 1_800_000_004_000], levels);
    }

    [Fact]
    public async Task AnalyseHearsTheSoundTrackOfAVideoFile()
    {
        // A video with a 1 kHz tone at 0.1 of full scale: 100 dBA at the default calibration.
        var video = Path.Combine(Sounds.Directory, "tone-video.mp4");
        if (!File.Exists(video))
        {
            using var ffmpeg = Process.Start("ffmpeg", $"-nostdin -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=10:duration=4 -f lavfi -i sine=frequency=1000:sample_rate=44100:duration=4 -af volume=0.2 -c:v mpeg4 -c:a aac -b:a 128k -shortest {video}");
            await ffmpeg.WaitForExitAsync();
            Assert.Equal(0, ffmpeg.ExitCode);
        }

        var lines = await Analyse(video);
        var levels = lines.Where(l => Kind(l) == "sound").Select(l => l.RootElement.GetProperty("payload").GetProperty("signals")[0].GetProperty("value").GetDouble()).ToList();
        Assert.True(levels.Count >= 3, $"{levels.Count} levels");

        // ffmpeg's sine source has amplitude 1/8; volume=0.2 makes it 0.025: 120 + 20·log10(0.025) = 88.0 dBA.
        Assert.All(levels.Skip(1).Take(2), l => Assert.InRange(l, 87.5, 88.5));
    }

    private static string Kind(JsonDocument line) => line.RootElement.GetProperty("payload").GetProperty("signals")[0].GetProperty("kind").GetString()!;

    private static async Task<List<JsonDocument>> Analyse(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in (string[])["exec", Path.Combine(AppContext.BaseDirectory, "Pax.Live.Edge.dll"), "analyse", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(process.ExitCode == 0, await error);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l)).ToList();
    }
}
