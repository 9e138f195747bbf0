using System.Security.Cryptography;
using System.Text;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Mqtt;

/// <summary>
/// Device secrets: 256 random bits, shown once, stored as a SHA-256 hash. A secret this long cannot be guessed, so it
/// needs no slow hash (unlike a person's password); and a broker that 10,000 devices reconnect to at once must not
/// spend a PBKDF2 round on each.
/// </summary>
public static class DeviceSecrets
{
    private const string Scheme = "sha256:";

    /// <summary>A new secret, URL-safe base64 (43 characters).</summary>
    public static string Generate() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>What is stored of a secret.</summary>
    public static string Hash(string secret) => Scheme + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>Whether <paramref name="secret"/> is the one <paramref name="hash"/> was made from (in constant time).</summary>
    public static bool Verify(string? secret, string hash)
    {
        if (string.IsNullOrEmpty(secret) || !hash.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Hash(secret)), Encoding.ASCII.GetBytes(hash));
    }
}

/// <summary>
/// What the broker knows of a connection: the device it proved to be (null: an anonymous lab client), when the
/// credentials it signed in with were issued, and its budget.
/// </summary>
public sealed record DeviceSession(string? DeviceId, string? TopicPrefix, string? CommandTopic, PublisherBudget? Budget, DateTimeOffset IssuedAt = default)
{
    /// <summary>The key in MQTTnet's session items.</summary>
    public const string Key = "pax.device";
}
