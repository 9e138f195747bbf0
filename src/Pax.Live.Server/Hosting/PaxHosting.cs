using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Configuration;
using Orleans.Storage;
using Pax.Live.Aggregation;
using Pax.Live.Grains;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Catalog;
using Pax.Live.Server.History;
using Pax.Live.Server.Ingest;
using Pax.Live.Server.Live;
using Pax.Live.Server.Mqtt;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Hosting;

/// <summary>How the server's subsystems join the host. <c>Program.cs</c> only calls these.</summary>
public static class PaxHosting
{
    private const string SqliteProviderName = "pax-sqlite";

    /// <summary>The co-hosted Orleans silo with the grains' settings.</summary>
    public static IHostApplicationBuilder AddPaxSilo(this IHostApplicationBuilder builder)
    {
        var silo = builder.AddPaxOptions<OrleansHostOptions>(OrleansHostOptions.Section);
        var levels = builder.AddPaxOptions<LevelOptions>(LevelOptions.Section);

        // Whichever node a request reaches checks its token: a node with a key of its own refuses the others' tokens.
        if (string.IsNullOrWhiteSpace(builder.AddPaxOptions<AuthOptions>(AuthOptions.Section).SigningKey)
            && silo.Clustering != ClusteringProvider.Localhost)
        {
            throw new InvalidOperationException(
                $"{AuthOptions.Section}:{nameof(AuthOptions.SigningKey)} is required when clustering ({OrleansHostOptions.Section}:{nameof(OrleansHostOptions.Clustering)} is not Localhost): every node must sign " +
                "and check tokens with the same key, base64 of at least 32 bytes (`openssl rand -base64 32`).");
        }

        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<SqliteWriteGate>();
        builder.AddPaxOptions<EscalationOptions>(EscalationOptions.Section);
        builder.AddPaxOptions<LiveOptions>(LiveOptions.Section);
        var storage = builder.AddPaxOptions<StorageOptions>(StorageOptions.Section);
        var connectionString = storage.Provider == StorageProvider.Memory
            ? ""
            : storage.ResolveConnectionString(DataDirectory.Of(builder.Configuration));
        if (storage.Provider != StorageProvider.Memory && storage.MigrateOnStart)
        {
            // Registered before the silo so that it runs first: the providers read their queries when the silo starts.
            builder.Services.AddHostedService(sp => new SchemaMigration(storage, connectionString, sp.GetRequiredService<ILogger<SchemaMigration>>()));
        }

        if (storage.Provider == StorageProvider.Memory)
        {
            builder.Services.AddSingleton<IHistorySink>(NullHistorySink.Instance);
        }
        else
        {
            builder.AddPaxOptions<HistoryOptions>(HistoryOptions.Section);
            builder.Services.AddSingleton(sp => new HistoryStore(
                storage, connectionString, storage.Provider == StorageProvider.Sqlite && storage.SerializeSqliteWrites ? sp.GetRequiredService<SqliteWriteGate>() : null));
            builder.Services.AddSingleton<HistoryWriter>();
            builder.Services.AddSingleton<IHistorySink>(sp => sp.GetRequiredService<HistoryWriter>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<HistoryWriter>());
            builder.Services.AddHostedService<HistoryRetention>();
        }

        builder.Services.AddPaxGrains(
            TimeProvider.System,
            new LevelDefaults(PlaceRules.Default with
            {
                UnknownAfter = levels.UnknownAfter,
                CauseHold = levels.CauseHold,
                MinLevelDuration = levels.MinLevelDuration,
            }),
            new PlaceSnapshotOptions(storage.SnapshotInterval),
            PlaceTickOptions.Default);

        // A driver's exception (NpgsqlException) crossing a grain call to another node must arrive as itself, not as a
        // serialisation failure (Orleans' exception codec takes only the namespaces it is told; Microsoft.Data.Sqlite's
        // is in its defaults). The grains also wrap what they throw on purpose in StorageUnavailableException.
        builder.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o => o.SupportedNamespacePrefixes.Add("Npgsql"));
        builder.UseOrleans(orleans =>
        {
            if (silo.Clustering == ClusteringProvider.PostgreSql)
            {
                if (storage.Provider != StorageProvider.PostgreSql)
                {
                    throw new InvalidOperationException($"Clustering on PostgreSQL needs {StorageOptions.Section}:{nameof(StorageOptions.Provider)}=PostgreSql.");
                }

                orleans.Configure<ClusterOptions>(o =>
                {
                    o.ClusterId = silo.ClusterId;
                    o.ServiceId = silo.ServiceId;
                });
                orleans.ConfigureEndpoints(IPAddress.Parse(silo.AdvertisedAddress), silo.SiloPort, silo.GatewayPort, listenOnAnyHostAddress: true);
                if (!string.IsNullOrWhiteSpace(silo.ListenAddress))
                {
                    var listen = IPAddress.Parse(silo.ListenAddress);
                    orleans.Configure<EndpointOptions>(o =>
                    {
                        o.SiloListeningEndpoint = new IPEndPoint(listen, silo.SiloPort);
                        o.GatewayListeningEndpoint = new IPEndPoint(listen, silo.GatewayPort);
                    });
                }

                orleans.Configure<ClusterMembershipOptions>(builder.Configuration.GetSection(OrleansHostOptions.MembershipSection));
                orleans.UseAdoNetClustering(o =>
                {
                    o.Invariant = storage.Invariant();
                    o.ConnectionString = connectionString;
                });
                orleans.UseAdoNetReminderService(o =>
                {
                    o.Invariant = storage.Invariant();
                    o.ConnectionString = connectionString;
                });
            }
            else
            {
                orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            }

            if (storage.Provider == StorageProvider.Memory)
            {
                orleans.AddMemoryGrainStorage(PaxStorage.Name);
            }
            else if (storage.Provider == StorageProvider.Sqlite && storage.SerializeSqliteWrites)
            {
                // One writer at a time, queued without a thread (see SqliteWriteGate); the provider itself goes under
                // another name and the grains' name resolves to the gated one.
                orleans.AddAdoNetGrainStorage(SqliteProviderName, o =>
                {
                    o.Invariant = storage.Invariant();
                    o.ConnectionString = connectionString;
                });
                orleans.Services.AddKeyedSingleton<IGrainStorage>(PaxStorage.Name, (sp, _) =>
                    new GatedGrainStorage(sp.GetRequiredKeyedService<IGrainStorage>(SqliteProviderName), sp.GetRequiredService<SqliteWriteGate>()));
            }
            else
            {
                orleans.AddAdoNetGrainStorage(PaxStorage.Name, o =>
                {
                    o.Invariant = storage.Invariant();
                    o.ConnectionString = connectionString;
                });
            }
        });
        QuietStart.UseProcessRelativeMembershipClock(builder.Services);
        return builder;
    }

    /// <summary>Catalogue loading, ingest, and the embedded MQTT broker.</summary>
    public static IHostApplicationBuilder AddPaxIngest(this IHostApplicationBuilder builder)
    {
        builder.AddPaxOptions<CatalogOptions>(CatalogOptions.Section);
        builder.AddPaxOptions<SitePlanOptions>(SitePlanOptions.Section);
        builder.AddPaxOptions<IngestOptions>(IngestOptions.Section);
        var mqtt = builder.AddPaxOptions<MqttOptions>(MqttOptions.Section);
        builder.Services.AddSingleton<PlaceDirectory>();
        builder.Services.AddSingleton<IPlaceDefinedHandler>(sp => sp.GetRequiredService<PlaceDirectory>());
        builder.Services.AddSingleton<DeviceIds>();
        builder.Services.AddSingleton<IngestStats>();
        builder.Services.AddSingleton<IngestQueue>();
        builder.Services.AddSingleton<IngestMetrics>();
        var log = builder.AddPaxOptions<IngestLogOptions>(IngestLogOptions.Section);
        if (log.Enabled && builder.AddPaxOptions<StorageOptions>(StorageOptions.Section).Provider != StorageProvider.Memory)
        {
            // Alert-grade messages are acknowledged once in this node's own write-ahead log (a file beside the SQLite
            // database, whatever the storage): durable without a database round trip, and there during an outage.
            var directory = string.IsNullOrEmpty(log.Directory) ? Path.Combine(DataDirectory.Of(builder.Configuration), "ingest-log") : log.Directory;
            builder.Services.AddSingleton(sp => new IngestLog(log, directory, sp.GetRequiredService<ILogger<IngestLog>>()));
        }

        builder.Services.AddSingleton<SignalIngest>();

        // Hosted services start in this order, after the silo: the catalogue is loaded before the broker takes a message.
        builder.Services.AddHostedService<CatalogLoader>();
        builder.Services.AddHostedService<IngestDispatcher>();
        if (mqtt.Enabled)
        {
            builder.Services.AddSingleton<MqttBroker>();
            builder.Services.AddSingleton<IDeviceRevokedHandler>(sp => sp.GetRequiredService<MqttBroker>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MqttBroker>());
        }

        var external = builder.AddPaxOptions<ExternalBrokerOptions>(ExternalBrokerOptions.Section);
        if (!string.IsNullOrEmpty(external.Host))
        {
            builder.Services.AddSingleton<SharedSubscriber>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<SharedSubscriber>());
        }

        if (!string.IsNullOrEmpty(external.Host) && external.DynamicSecurity)
        {
            builder.Services.AddSingleton<MosquittoDynamicSecurity>();
            builder.Services.AddSingleton<IDeviceAccounts>(sp => sp.GetRequiredService<MosquittoDynamicSecurity>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MosquittoDynamicSecurity>());
        }
        else
        {
            builder.Services.AddSingleton<IDeviceAccounts, EmbeddedBrokerAccounts>();
        }

        return builder;
    }

    /// <summary>SignalR and the fan-out from the cluster's notifiers to this host's clients.</summary>
    public static IHostApplicationBuilder AddPaxLive(this IHostApplicationBuilder builder)
    {
        // A line that drops silently (a phone in a tunnel, a NAT that forgets) shows no error: only the absence of
        // bytes. A ping every 2 s when nothing else was sent lets the apps see it within their 5 s server timeout
        // (common.js). The wait for a client's pings stays SignalR's 30 s: .NET clients ping every 15 s by default.
        builder.Services.AddSignalR(o => o.KeepAliveInterval = LiveKeepAlive.Interval)
            .AddJsonProtocol(o => ConfigureJson(o.PayloadSerializerOptions));
        builder.Services.AddSingleton<LiveHostObserver>();
        builder.Services.AddSingleton<LiveHostRegistration>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveHostRegistration>());
        builder.Services.AddHostedService<AlertWakeup>();
        builder.Services.AddHostedService<ClusterRecovery>();
        return builder;
    }

    /// <summary>The HTTP API's JSON, ProblemDetails and health checks.</summary>
    public static IHostApplicationBuilder AddPaxApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Enums travel as lower-case names (<c>"alert"</c>, <c>"motion"</c>, <c>"on-site"</c>), as the contract writes them.</summary>
    public static void ConfigureJson(JsonSerializerOptions options) =>
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower));
}
