using Microsoft.Extensions.Hosting;
using Pax.Live.Edge;
using Pax.Live.Edge.Analyse;
using Pax.Live.Edge.Bench;
using Pax.Live.Edge.Provisioning;

// pax-edge --config edge.json   run the cameras (and the simulator) of a config file
// pax-edge --bench [video] [--pipeline]   measure the analysers (or only the whole pipeline) on a video file
// pax-edge simulate [--server URL --user NAME]   synthetic devices at the sample places, provisioned through the API
if (args is ["simulate", .. var simulate])
{
    args = SimulateCommand.Arguments(simulate);
}

// pax-edge analyse FILE [--config edge.json --device ID] [--epoch UNIX_MS]   the analysers on a recording, JSON lines on stdout
if (args.Length > 0 && args[0] == AnalyseCommand.Verb)
{
    return await AnalyseCommand.RunAsync(args, Console.OpenStandardOutput(), Console.Error).ConfigureAwait(false);
}

// pax-edge --bench-audio [file]   what hearing a 48 kHz mono stream costs
var benchAudio = Array.IndexOf(args, "--bench-audio");
if (benchAudio >= 0)
{
    return AudioBench.Run(benchAudio + 1 < args.Length ? args[benchAudio + 1] : null, Console.Out);
}

var bench = Array.IndexOf(args, "--bench");
if (bench >= 0)
{
    var video = bench + 1 < args.Length && !args[bench + 1].StartsWith("--", StringComparison.Ordinal) ? args[bench + 1] : BenchRunner.DefaultVideo;
    return BenchRunner.Run(video, Console.Out, pipelineOnly: args.Contains("--pipeline"));
}

var builder = Host.CreateApplicationBuilder(args);
builder.AddEdge();
using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
return Environment.ExitCode;
