using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;

namespace Pax.Live.Server.Ui;

/// <summary>What the pages read at start: <c>GET /api/ui/config</c>.</summary>
public sealed record UiConfig(string TileUrl, string TileAttribution, double StaleAfterSeconds);

internal static partial class UiLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "No web UI in {Root}: build the server with Node.js and npm on the PATH.")]
    public static partial void NotBuilt(ILogger logger, string root);
}

/// <summary>
/// The control room (<c>/</c>), the guard's phone (<c>/guard</c>) and trying rules on history (<c>/rules</c>): static files bundled from <c>ClientApp</c> at build
/// time into <c>wwwroot</c> beside the server's assembly, so they are found however the server is started.
/// </summary>
public static class WebUi
{
    /// <summary>Binds <see cref="UiOptions"/>.</summary>
    public static IHostApplicationBuilder AddPaxUi(this IHostApplicationBuilder builder)
    {
        builder.AddPaxOptions<UiOptions>(UiOptions.Section);
        return builder;
    }

    /// <summary>Serves the bundle and maps the pages and their configuration.</summary>
    public static WebApplication UsePaxUi(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, "wwwroot");
        if (!Directory.Exists(root))
        {
            UiLog.NotBuilt(app.Logger, root);
            return app;
        }

        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = new PhysicalFileProvider(root),
            OnPrepareResponse = context => context.Context.Response.Headers.CacheControl = "no-cache",
        });
        app.MapGet("/", (HttpContext context) => Page(context, root, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/guard", (HttpContext context) => Page(context, root, "guard.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/rules", (HttpContext context) => Page(context, root, "rules.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/ui/config", (UiOptions o) => new UiConfig(o.TileUrl, o.TileAttribution, o.StaleAfter.TotalSeconds))
            .AllowAnonymous().WithTags("UI");
        return app;
    }

    /// <summary>A page; its content security policy (this server only, plus the tile server) comes from the hardening on every response.</summary>
    private static PhysicalFileHttpResult Page(HttpContext context, string root, string file)
    {
        context.Response.Headers.CacheControl = "no-cache";
        return TypedResults.PhysicalFile(Path.Combine(root, file), "text/html; charset=utf-8");
    }
}
