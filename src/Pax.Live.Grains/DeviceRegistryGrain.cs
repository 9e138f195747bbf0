using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The stored device credentials.</summary>
[GenerateSerializer, Alias("pax.DevicesState")]
public sealed class DevicesState
{
    /// <summary>Credentials by device id.</summary>
    [Id(0)]
    public Dictionary<string, DeviceCredential> Devices { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The devices allowed to publish, stored. Each broker asks it once per connection, not per message. When a device is
/// revoked or given a new secret, every node hears of it and drops the device's connection.
/// </summary>
public sealed class DeviceRegistryGrain(
    [PersistentState(DeviceRegistryGrain.StateName, PaxStorage.Name)] IPersistentState<DevicesState> state) : Grain, IDeviceRegistryGrain
{
    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "devices";

    /// <inheritdoc />
    public Task<DeviceCredential?> Find(string deviceId) => Task.FromResult(state.State.Devices.GetValueOrDefault(deviceId));

    /// <inheritdoc />
    public Task<DeviceCredential[]> All() =>
        Task.FromResult(state.State.Devices.Values.OrderBy(d => d.DeviceId, StringComparer.Ordinal).ToArray());

    /// <inheritdoc />
    public async Task<bool> Issue(DeviceCredential credential)
    {
        var existed = state.State.Devices.TryGetValue(credential.DeviceId, out var before);
        await Store(credential);
        if (existed && before!.RevokedAt is null)
        {
            // The old secret is void: a connection made with it goes, one made with the new secret stays (the news
            // reaches the hosts after this call answers, when the device may already be back with its new secret).
            await Notifier.DeviceRevoked(credential.DeviceId, credential.IssuedAt);
        }

        return !existed;
    }

    /// <inheritdoc />
    public async Task<bool> Revoke(string deviceId, DateTimeOffset at)
    {
        if (!state.State.Devices.TryGetValue(deviceId, out var credential))
        {
            return false;
        }

        if (credential.RevokedAt is null)
        {
            await Store(credential with { RevokedAt = at });
        }

        await Notifier.DeviceRevoked(deviceId, DateTimeOffset.MaxValue);
        return true;
    }

    private ILiveNotifierGrain Notifier => GrainFactory.GetGrain<ILiveNotifierGrain>(0);

    /// <summary>Stored before anyone is told; a failed write leaves the registry as it was.</summary>
    private async Task Store(DeviceCredential credential)
    {
        var before = state.State.Devices.GetValueOrDefault(credential.DeviceId);
        state.State.Devices[credential.DeviceId] = credential;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            if (before is null)
            {
                state.State.Devices.Remove(credential.DeviceId);
            }
            else
            {
                state.State.Devices[credential.DeviceId] = before;
            }

            throw;
        }
    }
}
