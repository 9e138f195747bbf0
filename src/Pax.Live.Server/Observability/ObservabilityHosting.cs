using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Mqtt;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Observability;

/// <summary>How observability joins the host: <c>AddPaxObservability</c> before <c>Build</c>, <c>MapPaxObservability</c> after.</summary>
public static class ObservabilityHosting
{
    /// <summary>The tag of the health checks that make up <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>OpenTelemetry (Prometheus always, OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set), readiness checks, the dashboard if enabled.</summary>
    public static IHostApplicationBuilder AddPaxObservability(this IHostApplicationBuilder builder)
    {
        var options = builder.AddPaxOptions<ObservabilityOptions>(ObservabilityOptions.Section);
        builder.Services.AddSingleton<PaxMetrics>();
        builder.Services.AddSingleton<HubConnectionMetrics>();
        builder.Services.Configure<HubOptions>(o => o.AddFilter<HubConnectionMetrics>());

        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var dashboard = builder.AddPaxOptions<DashboardOptions>(DashboardOptions.Section).Enabled;
        builder.UseOrleans(orleans =>
        {
            if (otlp)
            {
                // Carries trace context across grain calls; only worth its cost per call when traces go somewhere.
                orleans.AddActivityPropagation();
            }

            if (dashboard)
            {
                // It times every grain call for its charts: an operator's switch, not a default.
                orleans.AddDashboard();
            }
        });

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("pax-live", serviceInstanceId: Environment.MachineName))
            .WithMetrics(m => m
                .AddMeter(PaxMeter.Name, "Microsoft.Orleans")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddPrometheusExporter());
        if (otlp)
        {
            telemetry
                .WithTracing(t => t
                    .AddSource("Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                    .AddAspNetCoreInstrumentation(o => o.Filter = c => !IsProbeOrScrape(c.Request.Path)))
                .UseOtlpExporter();
        }

        if (options.Port > 0)
        {
            // Listen on the metrics port as well as wherever the host already listens (Urls / --urls).
            var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "http://localhost:5000";
            builder.Configuration[WebHostDefaults.ServerUrlsKey] = $"{urls};http://0.0.0.0:{options.Port}";
        }

        var storage = builder.AddPaxOptions<StorageOptions>(StorageOptions.Section);
        var connectionString = storage.Provider == StorageProvider.Memory
            ? ""
            : storage.ResolveConnectionString(DataDirectory.Of(builder.Configuration));
        builder.Services.AddHealthChecks()
            .Add(new HealthCheckRegistration(DatabaseReadiness.Name, _ => new DatabaseReadiness(storage, connectionString),
                HealthStatus.Degraded, [ReadyTag], TimeSpan.FromSeconds(5)))
            .Add(new HealthCheckRegistration(BrokerReadiness.Name, sp => new BrokerReadiness(sp.GetService<MqttBroker>(), sp.GetService<SharedSubscriber>()),
                HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5)))
            .Add(new HealthCheckRegistration(SiloReadiness.Name,
                sp => new SiloReadiness(sp.GetRequiredService<IClusterMembershipService>(), sp.GetRequiredService<ILocalSiloDetails>()),
                HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(5)));
        return builder;
    }

    /// <summary><c>/readyz</c>, <c>/metrics</c> and, when enabled, <c>/dashboard</c> (admins only).</summary>
    public static WebApplication MapPaxObservability(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<ObservabilityOptions>();
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReadiness,
        });

        var scrape = app.MapPrometheusScrapingEndpoint("/metrics");
        if (options.Port > 0)
        {
            scrape.RequireHost($"*:{options.Port}");
        }
        else if (options.RequireAdmin)
        {
            scrape.RequireAuthorization(PaxClaims.AdminOnly);
        }

        if (app.Services.GetRequiredService<DashboardOptions>().Enabled)
        {
            app.MapOrleansDashboard("/dashboard").RequireAuthorization(PaxClaims.AdminOnly);
        }

        return app;
    }

    private static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");

    /// <summary><c>{"status": "Unhealthy", "checks": {"database": {"status": …, "description": …}, …}}</c>: which check failed.</summary>
    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        var checks = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (name, entry) in report.Entries)
        {
            checks[name] = new { status = entry.Status.ToString(), description = entry.Description };
        }

        return context.Response.WriteAsJsonAsync(new { status = report.Status.ToString(), checks });
    }
}
