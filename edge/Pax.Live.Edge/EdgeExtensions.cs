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

        builder.Services.Configure<EdgeOptions>(builder.Configuration.GetSection(EdgeOptions.Section));
        builder.Services.AddHostedService<EdgeWorker>();
        return builder;
    }
}
