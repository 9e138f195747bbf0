namespace Pax.Live.Abstractions;

/// <summary>
/// One phone's Web Push subscription (RFC 8030): where the push service takes messages for it, and the browser's keys
/// that messages are encrypted to (RFC 8291). <c>DeviceId</c> is made by the phone, so that it can find itself in the list.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.PushSubscriptionRecord")]
public sealed record PushSubscriptionRecord(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] string Endpoint,
    [property: Id(2)] string P256dh,
    [property: Id(3)] string Auth,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] string? Label = null);

/// <summary>A guard's push setting and the phones that get their alerts.</summary>
[GenerateSerializer, Immutable, Alias("pax.GuardPush")]
public sealed record GuardPush(
    [property: Id(0)] bool NewAlerts,
    [property: Id(1)] PushSubscriptionRecord[] Devices);

/// <summary>The application server's VAPID key pair (RFC 8292), P-256, base64url: the public key uncompressed, the private key's scalar.</summary>
[GenerateSerializer, Immutable, Alias("pax.VapidKeys")]
public sealed record VapidKeys(
    [property: Id(0)] string PublicKey,
    [property: Id(1)] string PrivateKey);

/// <summary>One user's push subscriptions and setting, stored. Keyed by user name.</summary>
[Alias("pax.IPushSubscriptionGrain")]
public interface IPushSubscriptionGrain : IGrainWithStringKey
{
    /// <summary>The setting and the subscribed phones.</summary>
    [Alias("GetPush")]
    ValueTask<GuardPush> GetPush();

    /// <summary>Adds or replaces the subscription of one phone (by its device id); false when the user already has <paramref name="limit"/> other phones.</summary>
    [Alias("Subscribe")]
    ValueTask<bool> Subscribe(PushSubscriptionRecord subscription, int limit);

    /// <summary>Removes one phone's subscription; false when there was none.</summary>
    [Alias("Unsubscribe")]
    ValueTask<bool> Unsubscribe(string deviceId);

    /// <summary>Removes the subscription with this endpoint (the push service said it is gone: 404 or 410); false when there was none.</summary>
    [Alias("Drop")]
    ValueTask<bool> Drop(string endpoint);

    /// <summary>Whether the user's phones also hear of every new alert in their areas (dispatches always reach them).</summary>
    [Alias("SetNewAlerts")]
    ValueTask<GuardPush> SetNewAlerts(bool enabled);
}

/// <summary>The VAPID key pair the whole cluster signs push requests with: made once, stored. Key 0.</summary>
[Alias("pax.IPushKeysGrain")]
public interface IPushKeysGrain : IGrainWithIntegerKey
{
    /// <summary>The stored key pair, made and stored at the first call.</summary>
    [Alias("GetOrCreate")]
    ValueTask<VapidKeys> GetOrCreate();
}
