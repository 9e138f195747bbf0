using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;

// pax-watch [server-url] [place-id ...]: watch places live from a terminal (no place ids: every place).
var url = args.Length > 0 ? args[0] : "http://localhost:8080";
var places = args.Skip(1).ToArray();

await using var connection = new HubConnectionBuilder()
    .WithUrl(new Uri(new Uri(url), "/hubs/live"))
    .WithAutomaticReconnect()
    .Build();

connection.On<JsonElement>("PlaceStatusChanged", e => Print("status", e));
connection.On<JsonElement>("AlertRaised", e => Print("ALERT ", e));
connection.Reconnected += async _ =>
{
    Console.WriteLine("reconnected");
    await connection.InvokeAsync<JsonElement[]>("Watch", places);
};

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

try
{
    await connection.StartAsync(stop.Token);
    var current = await connection.InvokeAsync<JsonElement[]>("Watch", places, stop.Token);
    Console.WriteLine($"watching {(places.Length == 0 ? "every place" : string.Join(", ", places))} on {url} (Ctrl+C to stop)");
    foreach (var status in current)
    {
        Print("now   ", status);
    }

    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
catch (HttpRequestException ex)
{
    Console.Error.WriteLine($"cannot reach {url}: {ex.Message}");
    return 1;
}

return 0;

static void Print(string what, JsonElement e) =>
    Console.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} {what} {e.GetRawText()}");
