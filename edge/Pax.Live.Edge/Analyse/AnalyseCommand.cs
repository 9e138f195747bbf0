using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using OpenCvSharp;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge.Analyse;

/// <summary>
/// <c>pax-edge analyse FILE [--config edge.json --device ID] [--epoch UNIX_MS]</c>: the agent's analysers on a
/// recording, as fast as it decodes, printing on stdout one JSON line per message the device would publish; logs
/// go to stderr. Installers tune a camera with it; the labelled footage tests are built on it.
/// </summary>
public static class AnalyseCommand
{
    /// <summary>The verb on the command line.</summary>
    public const string Verb = "analyse";

    private const string Usage = "usage: pax-edge analyse FILE [--config edge.json --device ID] [--epoch UNIX_MS]";

    /// <summary>Runs the command (<paramref name="args"/> start with the verb); returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, Stream stdout, TextWriter stderr)
    {
        // stdout carries only the JSON lines: every log line goes to stderr.
        using var loggers = LoggerFactory.Create(logging => logging
            .AddConsole(console => console.LogToStandardErrorThreshold = Microsoft.Extensions.Logging.LogLevel.Trace)
            .AddSimpleConsole(console => console.SingleLine = true)
            .SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Information));
        if (!TryParse(args, out var request, out var problem))
        {
            await stderr.WriteLineAsync($"{problem}\n{Usage}").ConfigureAwait(false);
            return 2;
        }

        var writer = new JsonLinesWriter(stdout);
        try
        {
            var tasks = FilePipelines.Start(request, writer, loggers, CancellationToken.None);
            if (tasks.Count == 0)
            {
                await stderr.WriteLineAsync($"{request.File}: nothing to analyse (no video or sound track for this device)").ConfigureAwait(false);
                return 2;
            }

            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or OpenCvSharpException or OpenCVException)
        {
            await stderr.WriteLineAsync($"{request.File}: {e.Message}").ConfigureAwait(false);
            return 1;
        }

        await stderr.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{request.File}: {writer.Lines} messages")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Reads the arguments and the configuration; false with a reason when they do not make a request.</summary>
    public static bool TryParse(string[] args, out AnalyseRequest request, out string problem)
    {
        request = null!;
        string? file = null, config = null, device = null;
        long epoch = 0;
        for (var i = 1; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--config" when value is not null:
                    config = value;
                    i++;
                    break;
                case "--device" when value is not null:
                    device = value;
                    i++;
                    break;
                case "--epoch" when value is not null:
                    if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out epoch))
                    {
                        problem = $"--epoch wants milliseconds since 1970 (a whole number ≥ 0), not '{value}'.";
                        return false;
                    }

                    i++;
                    break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal) || file is not null)
                    {
                        problem = $"unexpected argument '{args[i]}'.";
                        return false;
                    }

                    file = args[i];
                    break;
            }
        }

        if (file is null || !File.Exists(file))
        {
            problem = file is null ? "no FILE given." : $"no such file: {file}";
            return false;
        }

        var edge = new EdgeOptions();
        // Without a config, a recording's sound is heard too: the agent's default analysers, all of them.
        var camera = new CameraOptions { DeviceId = "analyse", PlaceId = "analyse", Audio = { Enabled = true } };
        if (config is not null)
        {
            if (!File.Exists(config))
            {
                problem = $"no such config file: {config}";
                return false;
            }

            try
            {
                new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(config), optional: false, reloadOnChange: false).Build()
                    .GetSection(EdgeOptions.Section).Bind(edge);
            }
            catch (Exception e) when (e is InvalidDataException or FormatException or InvalidOperationException)
            {
                problem = $"{config}: {e.Message}";
                return false;
            }

            var microphone = device is null && edge.Cameras.Count == 0 && edge.Microphones.Count == 1
                ? edge.Microphones[0]
                : edge.Microphones.Find(m => m.DeviceId == device);
            if (microphone is not null)
            {
                request = new AnalyseRequest(file, epoch, edge, Camera: null, microphone);
                problem = "";
                return true;
            }

            var named = device is null && edge.Cameras.Count == 1 ? edge.Cameras[0] : edge.Cameras.Find(c => c.DeviceId == device);
            if (named is null)
            {
                problem = device is null
                    ? $"{config} has {edge.Cameras.Count} cameras: name one with --device."
                    : $"{config} has no camera '{device}' (it has: {string.Join(", ", edge.Cameras.Select(c => c.DeviceId).Concat(edge.Microphones.Select(m => m.DeviceId)))}).";
                return false;
            }

            camera = named;
        }
        else if (device is not null)
        {
            problem = "--device names a camera of --config: give the config file too.";
            return false;
        }

        // A recording is analysed, not filmed: the purpose and legal basis that a live camera must state do not apply.
        camera.Source = file;
        camera.Loop = false;
        camera.Purpose = camera.Purpose.Length > 0 ? camera.Purpose : "offline analysis of a recording";
        camera.LegalBasis = camera.LegalBasis.Length > 0 ? camera.LegalBasis : "offline analysis of a recording";
        var errors = camera.Validate();
        if (errors.Count > 0)
        {
            problem = string.Join("\n", errors);
            return false;
        }

        request = new AnalyseRequest(file, epoch, edge, camera, Microphone: null);
        problem = "";
        return true;
    }
}

/// <summary>What <c>analyse</c> was asked: the file, the epoch its media time counts from, and the device's settings (a camera or a microphone).</summary>
public sealed record AnalyseRequest(string File, long EpochMs, EdgeOptions Edge, CameraOptions? Camera, MicrophoneOptions? Microphone);
