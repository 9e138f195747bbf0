using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pax.Live.Server.Mqtt;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Observability;

/// <summary>
/// Ready when the configured database answers a trivial query. Not part of liveness: a node whose database is away
/// keeps ingest, levels and alerts going from memory, so it must not be restarted for it — only taken out of rotation.
/// </summary>
public sealed class DatabaseReadiness(StorageOptions storage, string connectionString) : IHealthCheck
{
    /// <summary>The check's name in <c>/readyz</c>.</summary>
    public const string Name = "database";

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (storage.Provider == StorageProvider.Memory)
        {
            return HealthCheckResult.Healthy("in-memory storage");
        }

        try
        {
            await using var connection = SchemaMigrator.Open(storage.Provider, connectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return HealthCheckResult.Healthy(storage.Provider.ToString());
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"{storage.Provider} does not answer: {ex.Message}");
        }
    }
}

/// <summary>
/// Ready when messages can arrive: the embedded broker is listening, or this node is subscribed at the external broker.
/// </summary>
public sealed class BrokerReadiness(IServiceProvider services) : IHealthCheck
{
    /// <summary>The check's name in <c>/readyz</c>.</summary>
    public const string Name = "broker";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var embedded = services.GetService<MqttBroker>();
        var external = services.GetService<SharedSubscriber>();
        var problems = new List<string>();
        if (embedded is not null && !embedded.IsRunning)
        {
            problems.Add("the embedded broker is not running");
        }

        if (external is not null && !external.IsConnected)
        {
            problems.Add("not subscribed at the external broker");
        }

        if (embedded is null && external is null)
        {
            return Task.FromResult(HealthCheckResult.Healthy("no broker configured: HTTP only"));
        }

        return Task.FromResult(problems.Count == 0
            ? HealthCheckResult.Healthy(embedded is not null ? "embedded broker running" : "subscribed at the external broker")
            : HealthCheckResult.Unhealthy(string.Join("; ", problems)));
    }
}
