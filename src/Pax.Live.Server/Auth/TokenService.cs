using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Auth;

/// <summary>Issues the local users' JWTs and holds the key that signs and checks them.</summary>
public sealed class TokenService
{
    private readonly AuthOptions _options;
    private readonly TimeProvider _clock;

    /// <summary>Creates the service with the configured key, or the one kept in the data directory (made at first start).</summary>
    public TokenService(AuthOptions options, string dataDirectory, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        Key = new SymmetricSecurityKey(LoadKey(options, dataDirectory));
    }

    /// <summary>The signing key.</summary>
    public SymmetricSecurityKey Key { get; }

    /// <summary>A token for <paramref name="user"/> and when it expires.</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(UserRecord user)
    {
        var now = _clock.GetUtcNow();
        var expires = now + _options.TokenLifetime;
        var claims = new List<Claim>
        {
            new(PaxClaims.Name, user.Name),
            new(PaxClaims.Role, user.Role.ToString().ToLowerInvariant()),
            new(PaxClaims.Stamp, user.Stamp.ToString(System.Globalization.CultureInfo.InvariantCulture), ClaimValueTypes.Integer32),
        };
        claims.AddRange(user.Areas.Select(a => new Claim(PaxClaims.Area, a)));
        var token = new JwtSecurityToken(
            _options.Issuer, _options.Issuer, claims, now.UtcDateTime, expires.UtcDateTime,
            new SigningCredentials(Key, SecurityAlgorithms.HmacSha256));
        return (new JwtSecurityTokenHandler().WriteToken(token), expires);
    }

    private static byte[] LoadKey(AuthOptions options, string dataDirectory)
    {
        if (!string.IsNullOrWhiteSpace(options.SigningKey))
        {
            var configured = Convert.FromBase64String(options.SigningKey);
            return configured.Length >= 32 ? configured : throw new InvalidOperationException($"{AuthOptions.Section}:{nameof(AuthOptions.SigningKey)} must be at least 32 bytes (base64).");
        }

        var path = Path.Combine(dataDirectory, "auth-signing.key");
        if (File.Exists(path))
        {
            return Convert.FromBase64String(File.ReadAllText(path).Trim());
        }

        Directory.CreateDirectory(dataDirectory);
        var key = RandomNumberGenerator.GetBytes(32);
        File.WriteAllText(path, Convert.ToBase64String(key));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        return key;
    }
}
