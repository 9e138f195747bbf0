using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MQTTnet;
using MQTTnet.Protocol;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// The devices' accounts in Mosquitto's dynamic-security plugin, kept through its control topic
/// (<c>$CONTROL/dynamic-security/v1</c>, answers on <c>…/response</c>). Each device has a client (user name = device
/// id) and a role of its own that lets it publish signals and status for its one place and read its command topic;
/// everything else is denied by the plugin's default access. Mosquitto applies a change at once and drops the
/// connection of a client whose password changes or that is deleted.
/// <para>
/// At every connection to the broker the node reconciles: accounts without a matching active credential in the
/// registry (revoked, re-issued elsewhere, or unknown) are removed; active credentials without an account are
/// logged, since the registry keeps only a hash of the secret and a device without an account must be provisioned
/// again.
/// </para>
/// </summary>
public sealed partial class MosquittoDynamicSecurity(
    ExternalBrokerOptions options,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<MosquittoDynamicSecurity> logger) : BackgroundService, IDeviceAccounts
{
    /// <summary>The plugin's command topic.</summary>
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";

    /// <summary>The text name that marks the accounts this server keeps (other accounts are the operator's).</summary>
    public const string DeviceTextName = "pax device";

    /// <summary>Accounts younger than this are never removed by a reconciliation: their registry entry may be on its way.</summary>
    private static readonly TimeSpan InFlight = TimeSpan.FromMinutes(1);

    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonElement[]>> _pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _reconciled = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes after the first reconciliation (for tests and readiness).</summary>
    public Task Reconciled => _reconciled.Task;

    /// <summary>The role that holds a device's topic rules.</summary>
    public static string RoleOf(string deviceId) => $"pax-device-{deviceId}";

    /// <inheritdoc />
    public async Task Provision(string deviceId, string placeId, string secret, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var prefix = $"pax/v1/{placeId}/{deviceId}/";
        var role = RoleOf(deviceId);
        var responses = await Send(
            [
                Command("deleteClient", ("username", deviceId)),
                Command("deleteRole", ("rolename", role)),
                Command("createRole", ("rolename", role), ("textname", DeviceTextName), ("acls", new JsonArray(
                    Acl("publishClientSend", prefix + "signals"),
                    Acl("publishClientSend", prefix + "status"),
                    Acl("subscribePattern", prefix + MqttBroker.CommandLeaf),
                    Acl("publishClientReceive", prefix + MqttBroker.CommandLeaf)))),
                Command("createClient", ("username", deviceId), ("password", secret), ("textname", DeviceTextName),
                    ("textdescription", issuedAt.ToString("O", CultureInfo.InvariantCulture)),
                    ("roles", new JsonArray(new JsonObject { ["rolename"] = role }))),
            ],
            cancellationToken);

        // The deletes may find nothing to delete; the creates must succeed.
        ThrowOnError(responses[2..]);
    }

    /// <inheritdoc />
    public async Task Remove(string deviceId, CancellationToken cancellationToken)
    {
        var responses = await Send([Command("deleteClient", ("username", deviceId)), Command("deleteRole", ("rolename", RoleOf(deviceId)))], cancellationToken);
        ThrowOnError(responses.Where(r => !IsNotFound(r)).ToArray());
    }

    /// <summary>The devices the broker has accounts for, with when each account's secret was issued.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset?>> Accounts(CancellationToken cancellationToken)
    {
        var responses = await Send([Command("listClients", ("verbose", true), ("count", -1))], cancellationToken);
        ThrowOnError(responses);
        var accounts = new Dictionary<string, DateTimeOffset?>(StringComparer.Ordinal);
        foreach (var client in responses[0].GetProperty("data").GetProperty("clients").EnumerateArray())
        {
            if (client.TryGetProperty("textname", out var name) && name.GetString() == DeviceTextName)
            {
                accounts[client.GetProperty("username").GetString()!] =
                    client.TryGetProperty("textdescription", out var issued)
                    && DateTimeOffset.TryParse(issued.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                        ? at
                        : null;
            }
        }

        return accounts;
    }

    /// <summary>Makes the broker's device accounts agree with the registry (see the class summary).</summary>
    public async Task Reconcile(CancellationToken cancellationToken)
    {
        var accounts = await Accounts(cancellationToken);
        var active = (await grains.GetGrain<IDeviceRegistryGrain>(0).All())
            .Where(d => d.RevokedAt is null)
            .ToDictionary(d => d.DeviceId, d => d.IssuedAt, StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        foreach (var (device, issued) in accounts)
        {
            var current = active.TryGetValue(device, out var registered) && issued == registered;
            if (!current && !(issued > now - InFlight))
            {
                await Remove(device, cancellationToken);
                LogRemoved(logger, device);
            }
        }

        var missing = active.Where(d => !(accounts.TryGetValue(d.Key, out var issued) && issued == d.Value))
            .Select(d => d.Key).Order(StringComparer.Ordinal).ToArray();
        if (missing.Length > 0)
        {
            LogMissing(logger, missing.Length, string.Join(", ", missing.Take(20)));
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _client.ApplicationMessageReceivedAsync += OnResponse;
        await _client.KeepConnectedAsync(
            options,
            $"pax-dynsec-{Environment.MachineName.ToLowerInvariant()}-{Environment.ProcessId}",
            async cancellationToken =>
            {
                await _client.SubscribeAsync(ControlTopic + "/response", MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken);
                await Reconcile(cancellationToken);
                _reconciled.TrySetResult();
            },
            reason => LogUnreachable(logger, options.Host!, options.Port, reason),
            stoppingToken);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    /// <summary>Sends commands in one message and waits for their answers, in order.</summary>
    private async Task<JsonElement[]> Send(JsonObject[] commands, CancellationToken cancellationToken)
    {
        if (!_client.IsConnected)
        {
            throw new BrokerUnavailableException($"The broker {options.Host}:{options.Port} that keeps the device accounts is not connected.");
        }

        // Every node reads the one response topic: the correlation says which answers are this request's.
        var request = Guid.NewGuid().ToString("N");
        foreach (var command in commands)
        {
            command["correlationData"] = request;
        }

        var answer = new TaskCompletionSource<JsonElement[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[request] = answer;
        try
        {
            var payload = JsonSerializer.SerializeToUtf8Bytes(new JsonObject { ["commands"] = new JsonArray(commands) });
            var message = new MqttApplicationMessageBuilder().WithTopic(ControlTopic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            await _client.PublishAsync(message, cancellationToken);
            return await answer.Task.WaitAsync(options.ControlTimeout, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw ex as BrokerUnavailableException
                ?? new BrokerUnavailableException($"The broker {options.Host}:{options.Port} did not answer a device account change: {ex.Message}", ex);
        }
        finally
        {
            _pending.TryRemove(request, out _);
        }
    }

    private Task OnResponse(MqttApplicationMessageReceivedEventArgs e)
    {
        try
        {
            using var document = JsonDocument.Parse(e.ApplicationMessage.Payload);
            var responses = document.RootElement.GetProperty("responses").EnumerateArray().Select(r => r.Clone()).ToArray();
            if (responses.Length > 0
                && responses[0].TryGetProperty("correlationData", out var correlation)
                && _pending.TryGetValue(correlation.GetString() ?? "", out var answer))
            {
                answer.TrySetResult(responses);
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            LogUnreadable(logger, ex.Message);
        }

        return Task.CompletedTask;
    }

    private static JsonObject Command(string name, params (string Key, JsonNode? Value)[] fields)
    {
        var command = new JsonObject { ["command"] = name };
        foreach (var (key, value) in fields)
        {
            command[key] = value;
        }

        return command;
    }

    private static JsonObject Acl(string type, string topic) => new() { ["acltype"] = type, ["topic"] = topic, ["allow"] = true };

    private static bool IsNotFound(JsonElement response) =>
        response.TryGetProperty("error", out var error) && error.GetString()?.Contains("not found", StringComparison.OrdinalIgnoreCase) == true;

    private static void ThrowOnError(JsonElement[] responses)
    {
        foreach (var response in responses)
        {
            if (response.TryGetProperty("error", out var error))
            {
                throw new BrokerUnavailableException(
                    $"The broker refused {response.GetProperty("command").GetString()}: {error.GetString()}");
            }
        }
    }

    [LoggerMessage(LogLevel.Information, "Removed the broker account of device {DeviceId}: the registry has no active credential for it")]
    private static partial void LogRemoved(ILogger logger, string deviceId);

    [LoggerMessage(LogLevel.Warning, "{Count} active devices have no account at the broker and cannot connect until provisioned again: {Devices}")]
    private static partial void LogMissing(ILogger logger, int count, string devices);

    [LoggerMessage(LogLevel.Warning, "Cannot keep the device accounts at {Host}:{Port}: {Reason}; retrying")]
    private static partial void LogUnreachable(ILogger logger, string host, int port, string reason);

    [LoggerMessage(LogLevel.Warning, "An unreadable dynamic-security response: {Reason}")]
    private static partial void LogUnreadable(ILogger logger, string reason);
}
