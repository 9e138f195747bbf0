using System.ComponentModel.DataAnnotations;

namespace Pax.Live.Server.Push;

/// <summary>Web Push to the guards' phones, section <c>Pax:Push</c>.</summary>
public sealed class PushOptions : IValidatableObject
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Push";

    /// <summary>The push services of the browsers in use (Chrome and Android, Firefox, Safari and iOS, Edge).</summary>
    public static readonly string[] DefaultAllowedOrigins =
    [
        "https://fcm.googleapis.com",
        "https://updates.push.services.mozilla.com",
        "https://web.push.apple.com",
        "https://*.notify.windows.com",
    ];

    /// <summary>Whether pushes are sent at all (the subscriptions are kept either way).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The push services (origins) that subscriptions may point at and pushes go to; <c>https://*.example</c> allows the
    /// subdomains. Empty: <see cref="DefaultAllowedOrigins"/>. Anything else is refused, so the server never posts to an
    /// address a client made up.
    /// </summary>
    public string[] AllowedOrigins { get; set; } = [];

    /// <summary>The contact the push services are given in the VAPID token (<c>mailto:</c> or <c>https:</c>).</summary>
    public string Subject { get; set; } = "mailto:pax-live@localhost";

    /// <summary>
    /// The VAPID key pair, base64url (public: the 65-byte uncompressed P-256 point; private: the 32-byte scalar). Empty:
    /// a pair is made at first start and kept in the server's storage, shared by every node of a cluster.
    /// </summary>
    public string? VapidPublicKey { get; set; }

    /// <summary>The private half of <see cref="VapidPublicKey"/>.</summary>
    public string? VapidPrivateKey { get; set; }

    /// <summary>How long a push service keeps trying to reach a phone: an alert older than this is no news.</summary>
    public TimeSpan TimeToLive { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Tries per push (the first included) when the push service is unreachable or answers 429 or 5xx.</summary>
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The wait before the second try; doubled before each further one (a Retry-After is honoured up to a minute).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long one request to a push service may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests to push services in flight at once from this node.</summary>
    public int Concurrency { get; set; } = 32;

    /// <summary>Pushes waiting or in flight per guard; more are dropped and counted, so a flood of alerts does not bury a phone.</summary>
    public int MaxPendingPerGuard { get; set; } = 20;

    /// <summary>Phones one user may subscribe.</summary>
    public int MaxDevicesPerUser { get; set; } = 5;

    /// <summary>Alert events waiting to be turned into pushes on this node; more are dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>The origins in force: <see cref="AllowedOrigins"/>, or the defaults.</summary>
    public string[] Origins => AllowedOrigins.Length > 0 ? AllowedOrigins : DefaultAllowedOrigins;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Origins.All(e => Uri.TryCreate(e.Replace("://*.", "://", StringComparison.Ordinal), UriKind.Absolute, out _)))
        {
            yield return new($"{Section}:{nameof(AllowedOrigins)} holds origins such as https://fcm.googleapis.com or https://*.notify.windows.com.", [nameof(AllowedOrigins)]);
        }

        if (string.IsNullOrWhiteSpace(VapidPublicKey) != string.IsNullOrWhiteSpace(VapidPrivateKey))
        {
            yield return new($"{Section}:{nameof(VapidPublicKey)} and {Section}:{nameof(VapidPrivateKey)} are set together, or neither.", [nameof(VapidPublicKey), nameof(VapidPrivateKey)]);
        }

        if (!(MaxAttempts >= 1 && Concurrency >= 1 && MaxPendingPerGuard >= 1 && MaxDevicesPerUser >= 1 && QueueCapacity >= 1
            && TimeToLive >= TimeSpan.Zero && RequestTimeout > TimeSpan.Zero))
        {
            yield return new($"{Section}'s counts are at least 1, its times positive.");
        }
    }
}
