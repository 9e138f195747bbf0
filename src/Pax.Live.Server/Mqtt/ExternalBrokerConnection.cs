using MQTTnet;

namespace Pax.Live.Server.Mqtt;

/// <summary>The reconnect loop of this node's clients of the external broker (the shared subscriber, the device accounts).</summary>
public static class ExternalBrokerConnection
{
    /// <summary>
    /// Keeps <paramref name="client"/> connected until <paramref name="stoppingToken"/> fires, then disconnects it. After
    /// each connection <paramref name="connected"/> runs (subscribe, reconcile). Why a connection failed (the broker
    /// away, or refusing: MQTTnet 5 answers a refused CONNACK with a result, not an exception), or why
    /// <paramref name="connected"/> did, goes to <paramref name="unreachable"/>; a lost connection is made again every
    /// <see cref="ExternalBrokerOptions.ReconnectDelay"/>.
    /// </summary>
    public static async Task KeepConnectedAsync(
        this IMqttClient client,
        ExternalBrokerOptions options,
        string clientId,
        Func<CancellationToken, Task> connected,
        Action<string> unreachable,
        CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!client.IsConnected)
            {
                try
                {
                    var result = await client.ConnectAsync(options.ClientOptions(clientId), stoppingToken);
                    if (result.ResultCode == MqttClientConnectResultCode.Success)
                    {
                        await connected(stoppingToken);
                    }
                    else
                    {
                        unreachable($"the connection was refused ({result.ResultCode})");
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    unreachable(ex.Message);
                }
            }

            try
            {
                await Task.Delay(options.ReconnectDelay, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        if (client.IsConnected)
        {
            await client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                CancellationToken.None);
        }
    }
}
