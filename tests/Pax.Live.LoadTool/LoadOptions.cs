using System.Globalization;

namespace Pax.Live.LoadTool;

/// <summary>What a run does; every option is <c>--name value</c> on the command line.</summary>
public sealed record LoadOptions
{
    /// <summary>Publishing devices, one MQTT connection each.</summary>
    public int Devices { get; init; } = 5_000;

    /// <summary>Places the devices are spread over.</summary>
    public int Places { get; init; } = 1_000;

    /// <summary>Target messages per second over all devices.</summary>
    public int Rate { get; init; } = 50_000;

    /// <summary>Signals per message (periodic kinds).</summary>
    public int Signals { get; init; } = 4;

    /// <summary>Seconds each pass publishes.</summary>
    public int Seconds { get; init; } = 60;

    /// <summary>Seconds of publishing before measuring starts.</summary>
    public int Warmup { get; init; } = 5;

    /// <summary>Probe impulses per second (QoS 1, stamped with their send time), each to a place without an open alert.</summary>
    public int Probes { get; init; } = 20;

    /// <summary>Extra connections that connect and stay idle (MQTTnet's dispatch cost grows with sessions).</summary>
    public int Idle { get; init; }

    /// <summary>Skip the ceiling pass.</summary>
    public bool NoCeiling { get; init; }

    /// <summary>
    /// Read the server's live heap (after a forced full collection) a minute into the window as well as at its end, for a
    /// soak to compare; off by default, because the collection stalls the server inside the measured window.
    /// </summary>
    public bool Soak { get; init; }

    /// <summary>
    /// Pin the server (and the ceiling pass's bare broker) to CPU 0 with <c>taskset</c>, so it sees one core, and this
    /// tool with its devices and watchers to the others: CPU per message then belongs to the server alone.
    /// </summary>
    public bool Pin { get; init; }

    /// <summary>Skip the pipeline pass (ceiling only).</summary>
    public bool NoPipeline { get; init; }

    /// <summary>The server's dll; found next to the tool's repository by default.</summary>
    public string? ServerDll { get; init; }

    /// <summary>Write the server's output here at the end of the pipeline pass.</summary>
    public string? ServerLog { get; init; }

    /// <summary>Write every alerted probe here, one line each: the Unix time it was sent (s) and its publish → AlertRaised ms.</summary>
    public string? ProbeLog { get; init; }

    /// <summary>Write the JSON summary here as well.</summary>
    public string? Json { get; init; }

    /// <summary>The options, for <c>--help</c> and a wrong command line.</summary>
    public const string Usage = """
        usage: pax-load [--devices N] [--places N] [--rate MSG_PER_S] [--signals N] [--seconds N] [--warmup N] [--probes N]
                        [--idle N] [--no-ceiling] [--no-pipeline] [--soak] [--pin] [--server-dll PATH] [--server-log PATH] [--probe-log PATH]
                        [--json PATH]
          defaults: 5000 devices, 1000 places, 50000 msg/s, 4 signals a message, 60 s after 5 s of warm-up, 20 probes/s
          --soak   also read the server's live heap a minute into the window (a forced full collection)
          --pin    the server and the bare broker on CPU 0 (taskset), this tool on the other CPUs
        """;

    /// <summary>Reads <c>--name value</c> pairs and <c>--flag</c>s.</summary>
    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            int Int() => int.Parse(Next(), CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--devices" => o with { Devices = Int() },
                "--places" => o with { Places = Int() },
                "--rate" => o with { Rate = Int() },
                "--signals" => o with { Signals = Int() },
                "--seconds" => o with { Seconds = Int() },
                "--warmup" => o with { Warmup = Int() },
                "--probes" => o with { Probes = Int() },
                "--idle" => o with { Idle = Int() },
                "--no-ceiling" => o with { NoCeiling = true },
                "--no-pipeline" => o with { NoPipeline = true },
                "--soak" => o with { Soak = true },
                "--pin" => o with { Pin = true },
                "--server-dll" => o with { ServerDll = Next() },
                "--json" => o with { Json = Next() },
                "--server-log" => o with { ServerLog = Next() },
                "--probe-log" => o with { ProbeLog = Next() },
                _ => throw new ArgumentException($"Unknown option {args[i]}"),
            };
        }

        return o;
    }
}
