using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;

namespace Pax.Live.Server.Tests;

/// <summary>A device signing in to a broker over TCP, and the code the broker answered with.</summary>
public static class MqttSignIn
{
    /// <summary>A device at 127.0.0.1:<paramref name="port"/> over MQTT 5; without <paramref name="user"/>, anonymous.</summary>
    public static MqttClientOptionsBuilder Options(int port, string? user, string? secret, string? clientId = null)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", port)
            .WithClientId(clientId ?? user ?? "anonymous-" + Guid.NewGuid().ToString("N")[..6])
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(TimeSpan.FromSeconds(10));
        if (user is not null)
        {
            options.WithCredentials(user, secret);
        }

        return options;
    }

    /// <summary>Connects a new client: Success, or the code the broker refused it with.</summary>
    public static async Task<(IMqttClient Client, MqttClientConnectResultCode Code)> Connect(MqttClientOptions options)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        try
        {
            var result = await client.ConnectAsync(options);
            return (client, result.ResultCode);
        }
        catch (MqttConnectingFailedException ex)
        {
            return (client, RefusalOf(ex));
        }
    }

    /// <summary>The code a broker refused a connection with: MQTTnet 5 throws for a refusal and names the code in the message.</summary>
    public static MqttClientConnectResultCode RefusalOf(MqttConnectingFailedException ex)
    {
        var refused = Enum.GetValues<MqttClientConnectResultCode>().Where(c => ex.Message.Contains(c.ToString(), StringComparison.Ordinal))
            .OrderByDescending(c => c.ToString().Length).FirstOrDefault();
        Assert.True(refused != MqttClientConnectResultCode.Success, ex.Message);
        return refused;
    }
}
