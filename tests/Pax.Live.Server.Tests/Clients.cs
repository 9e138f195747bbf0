using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using MQTTnet;
using MQTTnet.Protocol;

namespace Pax.Live.Server.Tests;

/// <summary>Where a running server is reached.</summary>
public interface IServerEndpoints
{
    int MqttPort { get; }

    Uri BaseAddress { get; }

    HttpClient Http { get; }

    /// <summary>The admin's token.</summary>
    string Token { get; }
}

/// <summary>The events as they travel on the wire; strings where the contract says strings, so the tests check the names.</summary>
public sealed record StatusEvent(string PlaceId, string Level, Dictionary<string, double> Values, DateTimeOffset? UpdatedAt);

public sealed record AlertEvent(string AlertId, string PlaceId, string Kind, int Severity, DateTimeOffset RaisedAt, string Summary);

public sealed record StatsDocument(long Accepted, Dictionary<string, long> Rejected);

public sealed record AlertChangedEvent(string AlertId, string PlaceId, string Kind, string State, string? Guard, string? Area);

/// <summary>A control-room client on <c>/hubs/live</c> that records what it receives.</summary>
public sealed class LiveClient : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly ConcurrentQueue<object> _events = new();

    private LiveClient(HubConnection connection)
    {
        _connection = connection;
        _connection.On<StatusEvent>("PlaceStatusChanged", e => _events.Enqueue(e));
        _connection.On<AlertEvent>("AlertRaised", e => _events.Enqueue(e));
        _connection.On<AlertChangedEvent>("AlertChanged", e => _events.Enqueue(e));
    }

    public static Task<(LiveClient Client, StatusEvent[] Current)> Watch(IServerEndpoints server, params string[] placeIds) =>
        WatchAs(server, server.Token, placeIds);

    public static async Task<(LiveClient Client, StatusEvent[] Current)> WatchAs(IServerEndpoints server, string token, params string[] placeIds)
    {
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(server.BaseAddress, "/hubs/live"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(token))
            .Build();
        var client = new LiveClient(connection);
        await connection.StartAsync();
        var current = await connection.InvokeAsync<StatusEvent[]>("Watch", placeIds);
        return (client, current);
    }

    public IEnumerable<T> Of<T>() => _events.OfType<T>();

    public async Task<T> WaitFor<T>(Func<T, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (DateTime.UtcNow < deadline)
        {
            if (_events.OfType<T>().FirstOrDefault(match) is { } found)
            {
                return found;
            }

            await Task.Delay(25);
        }

        throw new TimeoutException($"No matching {typeof(T).Name}; received: {string.Join(", ", _events)}");
    }

    public async ValueTask DisposeAsync() => await _connection.DisposeAsync();
}

/// <summary>A device on the embedded broker over real TCP.</summary>
public sealed class Device : IAsyncDisposable
{
    private readonly IMqttClient _client;

    private Device(IMqttClient client) => _client = client;

    public static async Task<Device> Connect(IServerEndpoints server, string clientId, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", server.MqttPort)
            .WithClientId(clientId)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V500);
        configure?.Invoke(options);
        var result = await client.ConnectAsync(options.Build());
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return new Device(client);
    }

    public IMqttClient Client => _client;

    public Task Publish(string topic, string payload, bool retain = false) => Publish(topic, Encoding.UTF8.GetBytes(payload), retain);

    public async Task Publish(string topic, byte[] payload, bool retain = false)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithRetainFlag(retain)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await _client.PublishAsync(message);
        Assert.True(result.IsSuccess, $"publish to {topic} failed: {result.ReasonCode}");
    }

    public static string Signals(long ts, params (string Kind, double Value)[] signals) => JsonSerializer.Serialize(new
    {
        ts,
        signals = signals.Select(s => new { kind = s.Kind, value = s.Value }),
    });

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            await _client.DisconnectAsync();
        }

        _client.Dispose();
    }
}

public static class Api
{
    /// <summary>Signs in and returns the token.</summary>
    public static async Task<string> Login(this IServerEndpoints server, string user, string password)
    {
        using var anonymous = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await anonymous.PostAsJsonAsync("/api/auth/login", new { username = user, password });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    /// <summary>An HTTP client that sends <paramref name="token"/>.</summary>
    public static HttpClient As(this IServerEndpoints server, string token)
    {
        var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public static async Task<StatsDocument> Stats(this IServerEndpoints server) =>
        (await server.Http.GetFromJsonAsync<StatsDocument>("/api/ingest/stats"))!;

    /// <summary>Polls <c>GET /api/places/{place}</c> until <paramref name="done"/> holds (30 s at most).</summary>
    public static async Task<JsonElement> WaitForPlace(this IServerEndpoints server, string place, Func<JsonElement, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement view = default;
        while (DateTime.UtcNow < deadline)
        {
            var response = await server.Http.GetAsync($"/api/places/{place}");
            if (response.IsSuccessStatusCode)
            {
                view = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (done(view))
                {
                    return view;
                }
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{place} never matched: {view}");
    }

    /// <summary>Waits until the stats satisfy <paramref name="done"/>; ingest counts asynchronously to the publisher's ack.</summary>
    public static async Task<StatsDocument> WaitForStats(this IServerEndpoints server, Func<StatsDocument, bool> done)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        StatsDocument stats;
        do
        {
            stats = await server.Stats();
            if (done(stats))
            {
                return stats;
            }

            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException("Stats never matched: " + JsonSerializer.Serialize(stats));
    }
}
