using System.Globalization;
using System.Text.Json;
using Pax.Live.LoadTool;

// pax-load: see docs/performance.md. `ceiling-broker <port>` is the tool's own child process for the ceiling pass.
if (args is ["ceiling-broker", var port])
{
    return await CeilingBroker.Run(int.Parse(port, CultureInfo.InvariantCulture));
}

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(LoadOptions.Usage);
    return 0;
}

LoadOptions options;
try
{
    options = LoadOptions.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException)
{
    Console.Error.WriteLine($"pax-load: {ex.Message}{Environment.NewLine}{LoadOptions.Usage}");
    return 64;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

var summary = await LoadRun.Run(options, stop.Token);
var json = JsonSerializer.Serialize(summary, LoadRun.Json);
Console.WriteLine(summary.Line());
Console.WriteLine(json);
if (options.Json is { } path)
{
    await File.WriteAllTextAsync(path, json);
}

return summary.AlertsLost == 0 ? 0 : 2;
