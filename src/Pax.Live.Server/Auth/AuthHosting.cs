using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;

namespace Pax.Live.Server.Auth;

/// <summary>JWT bearer authentication (local users, and an external OpenID Connect provider when configured) and the role policies.</summary>
public static class AuthHosting
{
    private const string ExternalScheme = "oidc";

    /// <summary>Adds authentication and authorization.</summary>
    public static IHostApplicationBuilder AddPaxAuth(this IHostApplicationBuilder builder)
    {
        var options = builder.AddPaxOptions<AuthOptions>(AuthOptions.Section);

        var tokens = new TokenService(options, DataDirectory.Of(builder.Configuration), TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<Passwords>();
        builder.Services.AddSingleton<UserSessions>();
        builder.Services.AddSingleton<IUserChangedHandler>(sp => sp.GetRequiredService<UserSessions>());
        builder.Services.AddHostedService<FirstAdmin>();

        var schemes = new List<string> { JwtBearerDefaults.AuthenticationScheme };
        var authentication = builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(o =>
            {
                o.MapInboundClaims = false;

                // A bare "WWW-Authenticate: Bearer": why a token failed (expired, bad signature, revoked) helps only
                // someone forging one; the log still says it.
                o.IncludeErrorDetails = false;
                o.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = options.Issuer,
                    ValidAudience = options.Issuer,
                    IssuerSigningKey = tokens.Key,
                    NameClaimType = PaxClaims.Name,
                    RoleClaimType = PaxClaims.Role,
                    ClockSkew = TimeSpan.FromSeconds(30),
                };
                o.Events = new JwtBearerEvents { OnMessageReceived = TokenFromQueryForHubs, OnTokenValidated = StillCurrent };
            });
        SkipEagerDataProtectionKeyRing(builder.Services);
        if (!string.IsNullOrWhiteSpace(options.Authority))
        {
            schemes.Add(ExternalScheme);
            authentication.AddJwtBearer(ExternalScheme, o =>
            {
                o.MapInboundClaims = false;
                o.IncludeErrorDetails = false;
                o.Authority = options.Authority;
                o.Audience = options.Audience;
                o.TokenValidationParameters = new TokenValidationParameters { NameClaimType = PaxClaims.Name, RoleClaimType = PaxClaims.Role };
                o.Events = new JwtBearerEvents
                {
                    OnMessageReceived = TokenFromQueryForHubs,
                    OnTokenValidated = context =>
                    {
                        // The municipality's provider names roles and areas its own way; map them onto ours.
                        if (context.Principal?.Identity is System.Security.Claims.ClaimsIdentity identity)
                        {
                            foreach (var role in identity.FindAll(options.RoleClaim).ToList())
                            {
                                identity.AddClaim(new(PaxClaims.Role, role.Value.ToLowerInvariant()));
                            }

                            foreach (var area in identity.FindAll(options.AreaClaim).ToList())
                            {
                                identity.AddClaim(new(PaxClaims.Area, area.Value));
                            }
                        }

                        return Task.CompletedTask;
                    },
                };
            });
        }

        builder.Services.AddAuthorizationBuilder()
            .SetDefaultPolicy(Policy(schemes).Build())
            .AddPolicy(PaxClaims.Field, Policy(schemes).RequireClaim(PaxClaims.Role, "operator", "guard", "staff", "admin").Build())
            .AddPolicy(PaxClaims.ControlRoom, Policy(schemes).RequireClaim(PaxClaims.Role, "operator", "admin").Build())
            .AddPolicy(PaxClaims.AdminOnly, Policy(schemes).RequireClaim(PaxClaims.Role, "admin").Build());
        return builder;
    }

    private static AuthorizationPolicyBuilder Policy(List<string> schemes) =>
        new AuthorizationPolicyBuilder([.. schemes]).RequireAuthenticatedUser();

    /// <summary>
    /// Nothing in Pax.Live protects data with ASP.NET Core Data Protection (tokens are JWTs signed with the auth key;
    /// there are no cookies), but authentication registers it, and its hosted service creates a key ring at start:
    /// "No XML encryptor configured" or "Using an ephemeral key repository" on a fresh machine, about keys nothing
    /// uses. Without that service a key ring is made only when something first protects data, and then its warnings
    /// mean something.
    /// </summary>
    private static void SkipEagerDataProtectionKeyRing(IServiceCollection services) =>
        services.RemoveWhere(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService");

    private static void RemoveWhere(this IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (match(services[i]))
            {
                services.RemoveAt(i);
            }
        }
    }

    /// <summary>A local token holds only while its stamp is the user's current one and the user is enabled.</summary>
    private static async Task StillCurrent(TokenValidatedContext context)
    {
        var principal = context.Principal;
        var name = principal?.FindFirst(PaxClaims.Name)?.Value;
        var stamp = int.TryParse(principal?.FindFirst(PaxClaims.Stamp)?.Value, System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : 0;
        if (name is null || !await context.HttpContext.RequestServices.GetRequiredService<UserSessions>().IsCurrent(name, stamp))
        {
            context.Fail("The token was revoked.");
        }
    }

    /// <summary>Browsers cannot set headers on a WebSocket: SignalR sends the token as <c>access_token</c>, accepted for hubs only.</summary>
    private static Task TokenFromQueryForHubs(MessageReceivedContext context)
    {
        if (context.HttpContext.Request.Path.StartsWithSegments("/hubs")
            && context.Request.Query.TryGetValue("access_token", out var token))
        {
            context.Token = token;
        }

        return Task.CompletedTask;
    }
}
