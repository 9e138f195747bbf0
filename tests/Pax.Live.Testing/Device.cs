using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Protocol;

namespace Pax.Live.Testing;

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
