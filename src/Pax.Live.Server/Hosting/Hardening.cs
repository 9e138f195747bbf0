using System.Threading.RateLimiting;
using Microsoft.AspNetCore.SignalR;
using Pax.Live.Server.Api;
using Pax.Live.Server.Ui;

namespace Pax.Live.Server.Hosting;

/// <summary>What every response and request goes through: limits, sign-in throttling, security headers, and CORS only when asked for.</summary>
public static class Hardening
{
    /// <summary>Registers the limits.</summary>
    public static IHostApplicationBuilder AddPaxHardening(this IHostApplicationBuilder builder)
    {
        var options = builder.AddPaxOptions<HttpOptions>(HttpOptions.Section);
        builder.Services.Configure<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = options.MaxRequestBytes);
        builder.Services.Configure<HubOptions>(h => h.MaximumReceiveMessageSize = options.MaxHubMessageBytes);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                {
                    context.HttpContext.Response.Headers.RetryAfter = ((int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                }

                await TypedResults.Problem(
                    title: "Too many sign-in attempts.",
                    detail: "Wait a minute before trying again.",
                    statusCode: StatusCodes.Status429TooManyRequests).ExecuteAsync(context.HttpContext);
            };
            limiter.AddPolicy(AuthApi.LoginPolicy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = options.LoginAttemptsPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
        });
        if (options.CorsOrigins.Length > 0)
        {
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy => policy
                .WithOrigins(options.CorsOrigins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()));
        }

        return builder;
    }

    /// <summary>Security headers on every response, the rate limiter, and CORS when origins are configured.</summary>
    public static WebApplication UsePaxHardening(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<HttpOptions>();
        var tiles = TileOrigin(app.Services.GetService<UiOptions>()?.TileUrl);
        var policy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
            $"img-src 'self' data: blob:{tiles}; connect-src 'self'; media-src 'self' data:; object-src 'none'; " +
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
        app.Use((context, next) =>
        {
            var headers = context.Response.Headers;
            headers.XContentTypeOptions = "nosniff";
            headers.XFrameOptions = "DENY";
            headers["Referrer-Policy"] = "no-referrer";
            headers["Cross-Origin-Opener-Policy"] = "same-origin";
            headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(self)";
            headers.ContentSecurityPolicy = policy;
            return next(context);
        });
        if (options.CorsOrigins.Length > 0)
        {
            app.UseCors();
        }

        app.UseRateLimiter();
        return app;
    }

    /// <summary>The origin of the map's tile server, for the content security policy (the map's tiles are its only outside images).</summary>
    private static string TileOrigin(string? tileUrl)
    {
        if (string.IsNullOrEmpty(tileUrl))
        {
            return "";
        }

        var template = tileUrl.Replace("{s}", "*", StringComparison.Ordinal);
        var schemeEnd = template.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd < 0)
        {
            return "";
        }

        var hostEnd = template.IndexOf('/', schemeEnd + 3);
        return " " + (hostEnd < 0 ? template : template[..hostEnd]);
    }
}
