using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pax.Live.Server.Mqtt;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Observability;

/// <summary>
/// Whether the configured database answers a trivial query. The database is shared by every node: when it is away,
/// every node is in the same state and keeps ingest, levels and alerts going from memory, so the check reports it as
/// <c>Degraded</c> (HTTP 200, the check named): taking every pod out of the Service would leave the control room
/// with nothing. Not part of liveness either: a restart would not bring the database back.
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
            return HealthCheckResult.Degraded($"{storage.Provider} does not answer: {ex.Message}");
        }
    }
}

/// <summary>
/// Ready when messages can arrive: the embedded broker is listening (this node's own; not running is
/// <c>Unhealthy</c>), or this node is subscribed at the external broker (shared by every node; not subscribed is
/// <c>Degraded</c>, because the node still serves its clients and the other nodes' events).
/// </summary>
public sealed class BrokerReadiness(MqttBroker? embedded, SharedSubscriber? external) : IHealthCheck
{
    /// <summary>The check's name in <c>/readyz</c>.</summary>
    public const string Name = "broker";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
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

        if (problems.Count == 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy(embedded is not null ? "embedded broker running" : "subscribed at the external broker"));
        }

        var description = string.Join("; ", problems);
        return Task.FromResult(embedded is not null && !embedded.IsRunning
            ? HealthCheckResult.Unhealthy(description)
            : HealthCheckResult.Degraded(description));
    }
}

/// <summary>Ready when this node's silo is an active member of the cluster: until then (and while it leaves) it cannot serve.</summary>
public sealed class SiloReadiness(IClusterMembershipService membership, ILocalSiloDetails local) : IHealthCheck
{
    /// <summary>The check's name in <c>/readyz</c>.</summary>
    public const string Name = "silo";

    /// <inheritdoc />
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(local.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("active in the cluster")
            : HealthCheckResult.Unhealthy($"the silo is {status}"));
    }
}
