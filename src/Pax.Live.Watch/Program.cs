using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;

// pax-watch [server-url] [--user NAME --password PASSWORD | --token TOKEN] [place-id ...]
// Watch places live from a terminal (no place ids: every place). PAX_TOKEN in the environment works too.
var url = "http://localhost:8080";
string? user = null, password = null, token = Environment.GetEnvironmentVariable("PAX_TOKEN");
var places = new List<string>();
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--user" when i + 1 < args.Length: user = args[++i]; break;
        case "--password" when i + 1 < args.Length: password = args[++i]; break;
        case "--token" when i + 1 < args.Length: token = args[++i]; break;
        case var a when a.StartsWith("http", StringComparison.Ordinal): url = a; break;
        default: places.Add(args[i]); break;
    }
}

try
{
    if (user is not null)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        var login = await http.PostAsJsonAsync("/api/auth/login", new { username = user, password });
        if (!login.IsSuccessStatusCode)
        {
            await Console.Error.WriteLineAsync($"sign-in failed: {(int)login.StatusCode} {await login.Content.ReadAsStringAsync()}");
            return 1;
        }

        token = (await login.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString();
    }
}
catch (HttpRequestException ex)
{
    await Console.Error.WriteLineAsync($"cannot reach {url}: {ex.Message}");
    return 1;
}

if (string.IsNullOrEmpty(token))
{
    await Console.Error.WriteLineAsync("sign in: --user NAME --password PASSWORD, or --token TOKEN (or PAX_TOKEN)");
    return 2;
}

await using var connection = new HubConnectionBuilder()
    .WithUrl(new Uri(new Uri(url), "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
    .WithAutomaticReconnect()
    .Build();

connection.On<JsonElement>("PlaceStatusChanged", e => Print("status", e));
// The last alert event seen per audience: after a dropped connection, Resume sends what was missed.
var seen = new Dictionary<string, JsonElement>();

// Pushed alert events and resume requests are handled one at a time, in arrival order, off SignalR's receive loop
// (a handler that awaited an invocation would hold up the very answer it waits for).
var work = System.Threading.Channels.Channel.CreateUnbounded<(string Label, JsonElement Alert)?>();
void Alert(string label, JsonElement alert, JsonElement position)
{
    seen[position.GetProperty("audience").GetString()!] = position;
    Print(label, alert);
}

// A pushed event that skips numbers, or comes from a feed that started afresh (its node died), is not printed:
// Resume brings it with the ones missed before it, in order.
async Task Pushed(string label, JsonElement alert)
{
    var position = alert.GetProperty("position");
    if (seen.TryGetValue(position.GetProperty("audience").GetString()!, out var last))
    {
        var sameEpoch = last.GetProperty("epoch").GetInt64() == position.GetProperty("epoch").GetInt64();
        var seq = position.GetProperty("seq").GetInt64();
        if (sameEpoch && seq <= last.GetProperty("seq").GetInt64())
        {
            return;
        }

        if (!sameEpoch || seq > last.GetProperty("seq").GetInt64() + 1)
        {
            await Resume();
            return;
        }
    }

    Alert(label, alert, position);
}

async Task Resume()
{
    foreach (var page in await connection.InvokeAsync<JsonElement[]>("Resume", seen.Values.ToArray()))
    {
        foreach (var open in page.GetProperty("open").EnumerateArray())
        {
            Print("open  ", open);
        }

        foreach (var entry in page.GetProperty("entries").EnumerateArray())
        {
            var position = entry.GetProperty("position");
            if (seen.TryGetValue(position.GetProperty("audience").GetString()!, out var last)
                && last.GetProperty("epoch").GetInt64() == position.GetProperty("epoch").GetInt64()
                && position.GetProperty("seq").GetInt64() <= last.GetProperty("seq").GetInt64())
            {
                continue;
            }

            var raised = entry.GetProperty("raised");
            Alert(raised.ValueKind == JsonValueKind.Null ? "missed" : "MISSED", raised.ValueKind == JsonValueKind.Null ? entry.GetProperty("changed") : raised, position);
        }

        seen[page.GetProperty("audience").GetString()!] = JsonSerializer.SerializeToElement(new
        {
            audience = page.GetProperty("audience").GetString(),
            epoch = page.GetProperty("epoch").GetInt64(),
            seq = page.GetProperty("seq").GetInt64(),
        });
    }
}

async Task HandleWork(CancellationToken token)
{
    await foreach (var item in work.Reader.ReadAllAsync(token))
    {
        try
        {
            await (item is { } pushed ? Pushed(pushed.Label, pushed.Alert) : Resume());
        }
        catch (Exception ex) when (ex is HubException or InvalidOperationException)
        {
            // Connected but the server could not reach the feed yet: resume again in a second. Disconnected: the
            // reconnect resumes.
            if (connection.State == HubConnectionState.Connected)
            {
                _ = Task.Delay(1000, token).ContinueWith(_ => work.Writer.TryWrite(null), TaskScheduler.Default);
            }
        }
    }
}

connection.On<JsonElement>("AlertRaised", e => work.Writer.TryWrite(("ALERT ", e)));
connection.On<JsonElement>("AlertChanged", e => work.Writer.TryWrite(("alert ", e)));
connection.On("FeedInterrupted", () =>
{
    Console.WriteLine("a node left the cluster: resuming");
    work.Writer.TryWrite(null);
});
connection.Reconnected += async _ =>
{
    Console.WriteLine("reconnected");
    await connection.InvokeAsync<JsonElement[]>("Watch", places.ToArray());
    work.Writer.TryWrite(null);
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
    var current = await connection.InvokeAsync<JsonElement[]>("Watch", places.ToArray(), stop.Token);
    Console.WriteLine($"watching {(places.Count == 0 ? "every place" : string.Join(", ", places))} on {url} (Ctrl+C to stop)");
    foreach (var status in current)
    {
        Print("now   ", status);
    }

    await Resume();

    await HandleWork(stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
catch (HttpRequestException ex)
{
    await Console.Error.WriteLineAsync($"cannot watch {url}: {ex.Message}");
    return 1;
}

return 0;

static void Print(string what, JsonElement e) =>
    Console.WriteLine($"{DateTimeOffset.Now:HH:mm:ss.fff} {what} {e.GetRawText()}");
