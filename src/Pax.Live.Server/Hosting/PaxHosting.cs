using System.Text.Json;
using System.Text.Json.Serialization;
using Pax.Live.Aggregation;
using Pax.Live.Grains;
using Pax.Live.Server.Catalog;
using Pax.Live.Server.Ingest;
using Pax.Live.Server.Live;
using Pax.Live.Server.Mqtt;

namespace Pax.Live.Server.Hosting;

/// <summary>Silo settings, section <c>Pax:Orleans</c>.</summary>
public sealed class OrleansHostOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Orleans";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The cluster's id.</summary>
    public string ClusterId { get; set; } = "pax-live";

    /// <summary>The service's id; keep it stable or stored state is not found.</summary>
    public string ServiceId { get; set; } = "pax-live";
}

/// <summary>Level timings every place starts from, section <c>Pax:Levels</c>.</summary>
public sealed class LevelOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Levels";

    /// <summary>Silence from every device of a place for this long makes its level unknown.</summary>
    public TimeSpan UnknownAfter { get; set; } = PlaceRules.Default.UnknownAfter;

    /// <summary>How long an alert-grade cause holds a place after it was last seen.</summary>
    public TimeSpan CauseHold { get; set; } = PlaceRules.Default.CauseHold;

    /// <summary>The least time at a level before the level may step down.</summary>
    public TimeSpan MinLevelDuration { get; set; } = PlaceRules.Default.MinLevelDuration;
}

/// <summary>How the server's subsystems join the host. <c>Program.cs</c> only calls these.</summary>
public static class PaxHosting
{
    /// <summary>The co-hosted Orleans silo with the grains' settings.</summary>
    public static IHostApplicationBuilder AddPaxSilo(this IHostApplicationBuilder builder)
    {
        var silo = Bind<OrleansHostOptions>(builder, OrleansHostOptions.Section);
        var levels = Bind<LevelOptions>(builder, LevelOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddKeyedSingleton(PaxClock.Key, TimeProvider.System);
        builder.Services.AddSingleton(new LevelDefaults(PlaceRules.Default with
        {
            UnknownAfter = levels.UnknownAfter,
            CauseHold = levels.CauseHold,
            MinLevelDuration = levels.MinLevelDuration,
        }));
        builder.Services.AddSingleton(builder.Configuration.GetSection("Pax:Live").Get<LiveOptions>() ?? new LiveOptions());
        builder.UseOrleans(orleans =>
        {
            orleans.UseLocalhostClustering(silo.SiloPort, silo.GatewayPort, serviceId: silo.ServiceId, clusterId: silo.ClusterId);
            orleans.AddMemoryGrainStorage(PaxStorage.Name);
        });
        return builder;
    }

    /// <summary>Catalogue loading, ingest, and the embedded MQTT broker.</summary>
    public static IHostApplicationBuilder AddPaxIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton(Bind<CatalogOptions>(builder, CatalogOptions.Section));
        builder.Services.AddSingleton(Bind<IngestOptions>(builder, IngestOptions.Section));
        builder.Services.AddSingleton(Bind<MqttOptions>(builder, MqttOptions.Section));
        builder.Services.AddSingleton<PlaceDirectory>();
        builder.Services.AddSingleton<DeviceIds>();
        builder.Services.AddSingleton<IngestStats>();
        builder.Services.AddSingleton<IngestQueue>();
        builder.Services.AddSingleton<SignalIngest>();

        // Hosted services start in this order, after the silo: the catalogue is loaded before the broker takes a message.
        builder.Services.AddHostedService<CatalogLoader>();
        builder.Services.AddHostedService<IngestDispatcher>();
        if (builder.Configuration.GetValue(MqttOptions.Section + ":Enabled", true))
        {
            builder.Services.AddSingleton<MqttBroker>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<MqttBroker>());
        }

        return builder;
    }

    /// <summary>SignalR and the fan-out from the cluster's notifiers to this host's clients.</summary>
    public static IHostApplicationBuilder AddPaxLive(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSignalR().AddJsonProtocol(o => ConfigureJson(o.PayloadSerializerOptions));
        builder.Services.AddSingleton<LiveHostObserver>();
        builder.Services.AddHostedService<LiveHostRegistration>();
        return builder;
    }

    /// <summary>The HTTP API's JSON, ProblemDetails and health checks.</summary>
    public static IHostApplicationBuilder AddPaxApi(this IHostApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        return builder;
    }

    /// <summary>Enums travel as lower-case names (<c>"alert"</c>, <c>"motion"</c>), as the contract writes them.</summary>
    public static void ConfigureJson(JsonSerializerOptions options) =>
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));

    private static T Bind<T>(IHostApplicationBuilder builder, string section) where T : new() =>
        builder.Configuration.GetSection(section).Get<T>() ?? new T();
}
