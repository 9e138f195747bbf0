using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Pax.Live.Edge.Options;

namespace Pax.Live.Edge;

/// <summary>Wires the edge agent into a host.</summary>
public static class EdgeExtensions
{
    /// <summary>Reads <c>--config file.json</c> (section <c>Edge</c>) and adds the worker that runs the cameras.</summary>
    public static IHostApplicationBuilder AddEdge(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration["config"] is { Length: > 0 } file)
        {
            // Added again after the command line, so that --Edge:Mqtt:Host=… still overrides the file.
            builder.Configuration.AddJsonFile(Path.GetFullPath(file), optional: false, reloadOnChange: false);
            builder.Configuration.AddCommandLine(Environment.GetCommandLineArgs().Skip(1).ToArray());
        }

        ProvisionFromCommandLine(builder.Configuration);
        builder.Services.Configure<EdgeOptions>(builder.Configuration.GetSection(EdgeOptions.Section));
        builder.Services.AddHostedService<EdgeWorker>();
        return builder;
    }

    /// <summary>
    /// <c>--server URL [--user NAME] [--password …]</c> stand for <c>Edge:Provision:*</c>; a password given nowhere
    /// comes from <c>PAX_PASSWORD</c> or is asked for, before anything starts.
    /// </summary>
    private static void ProvisionFromCommandLine(IConfigurationManager configuration)
    {
        var given = new Dictionary<string, string?>();
        foreach (var (flag, key) in new[] { ("server", "Server"), ("user", "User"), ("password", "Password") })
        {
            if (configuration[flag] is { Length: > 0 } value)
            {
                given[$"{EdgeOptions.Section}:Provision:{key}"] = value;
            }
        }

        if (given.Count > 0)
        {
            configuration.AddInMemoryCollection(given);
        }

        var provision = configuration.GetSection(EdgeOptions.Section + ":Provision").Get<ProvisionOptions>() ?? new ProvisionOptions();
        if (provision.IsSet && string.IsNullOrEmpty(provision.Password))
        {
            var password = Provisioning.DeviceProvisioner.AskPassword(provision.Server!, provision.User, Console.In, Console.Error, !Console.IsInputRedirected);
            configuration.AddInMemoryCollection([new($"{EdgeOptions.Section}:Provision:Password", password)]);
        }
    }
}
