namespace Pax.Live.Server.Auth;

/// <summary>Authentication settings, section <c>Pax:Auth</c>.</summary>
public sealed class AuthOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Auth";

    /// <summary>The local tokens' issuer and audience.</summary>
    public string Issuer { get; set; } = "pax-live";

    /// <summary>
    /// The key local tokens are signed with, base64 of at least 32 bytes. Empty: one is generated at first start and kept
    /// in <c>{DataDirectory}/auth-signing.key</c> (every node of a cluster must be given the same key).
    /// </summary>
    public string? SigningKey { get; set; }

    /// <summary>How long a local token is valid.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The first admin's password; empty: one is generated and printed once, at the first start.</summary>
    public string? AdminPassword { get; set; }

    /// <summary>An external OpenID Connect provider's authority (the municipality's); empty: local users only.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience the external provider's tokens are issued for.</summary>
    public string? Audience { get; set; }

    /// <summary>The claim that carries the role in external tokens.</summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>The claim that carries the areas in external tokens.</summary>
    public string AreaClaim { get; set; } = "pax_areas";
}
