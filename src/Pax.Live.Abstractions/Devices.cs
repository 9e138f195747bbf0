namespace Pax.Live.Abstractions;

/// <summary>
/// A device's credentials: its id (its MQTT user name), the one place it publishes for, and a hash of its secret (the
/// secret itself is shown once, when it is made, and never stored). A revoked device can no longer connect.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.DeviceCredential")]
public sealed record DeviceCredential(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] string PlaceId,
    [property: Id(2)] string SecretHash,
    [property: Id(3)] DateTimeOffset IssuedAt,
    [property: Id(4)] DateTimeOffset? RevokedAt = null);

/// <summary>The devices allowed to publish. Key 0.</summary>
[Alias("pax.IDeviceRegistryGrain")]
public interface IDeviceRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>A device by id, or null.</summary>
    [Alias("Find")]
    Task<DeviceCredential?> Find(string deviceId);

    /// <summary>Every device, revoked ones too.</summary>
    [Alias("All")]
    Task<DeviceCredential[]> All();

    /// <summary>Issues (or re-issues, with a new secret) a device's credentials; returns true when the device is new.</summary>
    [Alias("Issue")]
    Task<bool> Issue(DeviceCredential credential);

    /// <summary>Revokes a device and has every node drop its connection; false when there is no such device.</summary>
    [Alias("Revoke")]
    Task<bool> Revoke(string deviceId, DateTimeOffset at);
}
