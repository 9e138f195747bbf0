using System.Diagnostics;
using System.Text.Json;
using Pax.Live.Contracts;

namespace Pax.Live.Edge.Tests;

/// <summary>One message <c>analyse</c> printed: its topic, its timestamp and its values by kind.</summary>
internal sealed record AnalysedMessage(string Topic, long Ts, IReadOnlyDictionary<SignalKind, double> Values)
{
    public double? this[SignalKind kind] => Values.TryGetValue(kind, out var value) ? value : null;
}

/// <summary>The result of one <c>pax-edge analyse</c> run, as its own process.</summary>
internal sealed record Analysed(int ExitCode, IReadOnlyList<AnalysedMessage> Messages, string Stdout, string Stderr)
{
    /// <summary>Runs <c>dotnet Pax.Live.Edge.dll analyse</c> with <paramref name="args"/> and parses every stdout line as the contract's payload.</summary>
    public static async Task<Analysed> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = AppContext.BaseDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "exec", Path.Combine(AppContext.BaseDirectory, "Pax.Live.Edge.dll"), "analyse" }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("analyse did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        var messages = new List<AnalysedMessage>();
        var signals = new Signal[SignalPayload.MaxSignals];
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            using var json = JsonDocument.Parse(line);
            var topic = json.RootElement.GetProperty("topic").GetString()!;
            var payload = JsonSerializer.SerializeToUtf8Bytes(json.RootElement.GetProperty("payload"));
            Assert.Equal(RejectReason.None, SignalPayload.Parse(payload, long.MaxValue / 2, signals, out var ts, out var count));
            var values = new Dictionary<SignalKind, double>();
            foreach (var signal in signals[..count])
            {
                values[signal.Kind] = signal.Value;
            }

            messages.Add(new AnalysedMessage(topic, ts, values));
        }

        return new Analysed(process.ExitCode, messages, output, await stderr);
    }

    /// <summary>The latest value of <paramref name="kind"/> at each message: event kinds are sent when they change, so they are carried forward.</summary>
    public IEnumerable<(long Ts, double Value)> Held(SignalKind kind)
    {
        var value = 0.0;
        foreach (var message in Messages)
        {
            value = message[kind] ?? value;
            yield return (message.Ts, value);
        }
    }
}
