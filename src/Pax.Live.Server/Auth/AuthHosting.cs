using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.IdentityModel.Tokens;
using Pax.Live.Server.Hosting;

namespace Pax.Live.Server.Auth;

/// <summary>JWT bearer authentication (local users, and an external OpenID Connect provider when configured) and the role policies.</summary>
public static class AuthHosting
{
    private const string ExternalScheme = "oidc";

    /// <summary>Adds authentication and authorization.</summary>
    public static IHostApplicationBuilder AddPaxAuth(this IHostApplicationBuilder builder)
    {
        var options = builder.AddPaxOptions<AuthOptions>(AuthOptions.Section);

        // Whichever node a request reaches checks its token: a node with a key of its own refuses the others' tokens.
        if (string.IsNullOrWhiteSpace(options.SigningKey)
            && builder.AddPaxOptions<OrleansHostOptions>(OrleansHostOptions.Section).Clustering != ClusteringProvider.Localhost)
        {
            throw new InvalidOperationException(
                "Pax:Auth:SigningKey is required when clustering (Pax:Orleans:Clustering is not Localhost): every node must sign " +
                "and check tokens with the same key, base64 of at least 32 bytes (`openssl rand -base64 32`).");
        }

        var tokens = new TokenService(options, PaxHosting.DataDirectory(builder.Configuration), TimeProvider.System);
        builder.Services.AddSingleton(tokens);
        builder.Services.AddSingleton<Passwords>();
        builder.Services.AddSingleton<UserSessions>();
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
        QuietStart.SkipEagerDataProtectionKeyRing(builder.Services);
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
