using System.Globalization;
using System.Text;
using Microsoft.Extensions.Configuration;
using Pax.Live.Contracts;
using Pax.Live.Edge.Mqtt;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Audio;

/// <summary>
/// <c>pax-edge analyse FILE [--config edge.json --device ID] [--epoch UNIX_MS]</c> for sound: one JSON line per
/// message the device would publish, <c>{"topic": …, "payload": {"ts": …, "signals": […]}}</c>, ts = epoch + media time.
/// </summary>
public static class AudioAnalyseCommand
{
    /// <summary>Runs the command on <paramref name="args"/> (after <c>analyse</c>); returns the exit code.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? file = null, config = null, device = null;
        long epoch = 0;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--config" when i + 1 < args.Count: config = args[++i]; break;
                case "--device" when i + 1 < args.Count: device = args[++i]; break;
                case "--epoch" when i + 1 < args.Count && long.TryParse(args[i + 1], CultureInfo.InvariantCulture, out var e): epoch = e; i++; break;
                case var a when !a.StartsWith("--", StringComparison.Ordinal) && file is null: file = a; break;
                default:
                    error.WriteLine($"analyse: unexpected argument '{args[i]}'.");
                    return 2;
            }
        }

        if (file is null)
        {
            error.WriteLine("usage: pax-edge analyse FILE [--config edge.json --device ID] [--epoch UNIX_MS]");
            return 2;
        }

        var (placeId, deviceId, options, why) = Device(config, device);
        if (why is not null)
        {
            error.WriteLine($"analyse: {why}");
            return 2;
        }

        var prefix = Encoding.UTF8.GetBytes($"{{\"topic\": \"{Topic.Signals(placeId, deviceId)}\", \"payload\": ");
        try
        {
            var result = AudioAnalysis.AnalyseFile(file, options, epoch, m => Write(output, prefix, m));
            error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"analyse: {result.Duration.TotalSeconds:F1} s of sound, {result.Impulses} impulses"));
            return 0;
        }
        catch (IOException e)
        {
            error.WriteLine($"analyse: {e.Message}");
            return 1;
        }
    }

    private static void Write(TextWriter output, byte[] prefix, SignalMessage message)
    {
        output.Write(Encoding.UTF8.GetString(prefix));
        output.Write(Encoding.UTF8.GetString(message.Payload));
        output.WriteLine('}');
    }

    private static (string Place, string Device, AudioOptions Options, string? Why) Device(string? config, string? device)
    {
        if (config is null)
        {
            return ("place", device ?? "device", new AudioOptions(), null);
        }

        var edge = new EdgeOptions();
        new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(config), optional: false).Build().GetSection(EdgeOptions.Section).Bind(edge);
        foreach (var microphone in edge.Microphones)
        {
            if (device is null || microphone.DeviceId == device)
            {
                return (microphone.PlaceId, microphone.DeviceId, microphone, null);
            }
        }

        foreach (var camera in edge.Cameras)
        {
            if (device is null || camera.DeviceId == device)
            {
                return (camera.PlaceId, camera.DeviceId, camera.Audio, null);
            }
        }

        return ("", "", new AudioOptions(), $"no microphone or camera '{device}' in {config}.");
    }
}
