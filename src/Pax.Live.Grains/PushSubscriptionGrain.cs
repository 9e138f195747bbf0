using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The stored form of one user's push subscriptions.</summary>
[GenerateSerializer, Alias("pax.PushSubscriptionState")]
public sealed class PushSubscriptionState
{
    /// <summary>Whether new alerts in the user's areas are pushed too.</summary>
    [Id(0)]
    public bool NewAlerts { get; set; }

    /// <summary>The subscriptions, by device id.</summary>
    [Id(1)]
    public Dictionary<string, PushSubscriptionRecord> Devices { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>One user's push subscriptions, the only writer of them.</summary>
public sealed class PushSubscriptionGrain(
    [PersistentState(PushSubscriptionGrain.StateName, PaxStorage.Name)] IPersistentState<PushSubscriptionState> state) : Grain, IPushSubscriptionGrain
{
    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "push-subscriptions";

    /// <inheritdoc />
    public ValueTask<GuardPush> GetPush() => ValueTask.FromResult(View());

    /// <inheritdoc />
    public async ValueTask<bool> Subscribe(PushSubscriptionRecord subscription, int limit)
    {
        var devices = state.State.Devices;
        if (!devices.ContainsKey(subscription.DeviceId) && devices.Count >= limit)
        {
            return false;
        }

        // A browser that subscribed again under another device id (its storage was cleared) keeps one entry, not two.
        foreach (var (id, existing) in devices)
        {
            if (id != subscription.DeviceId && string.Equals(existing.Endpoint, subscription.Endpoint, StringComparison.Ordinal))
            {
                devices.Remove(id);
            }
        }

        devices[subscription.DeviceId] = subscription;
        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<bool> Unsubscribe(string deviceId)
    {
        if (!state.State.Devices.Remove(deviceId))
        {
            return false;
        }

        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<bool> Drop(string endpoint)
    {
        string? gone = null;
        foreach (var (id, existing) in state.State.Devices)
        {
            if (string.Equals(existing.Endpoint, endpoint, StringComparison.Ordinal))
            {
                gone = id;
            }
        }

        if (gone is null)
        {
            return false;
        }

        state.State.Devices.Remove(gone);
        await state.WriteStateAsync();
        return true;
    }

    /// <inheritdoc />
    public async ValueTask<GuardPush> SetNewAlerts(bool enabled)
    {
        if (state.State.NewAlerts != enabled)
        {
            state.State.NewAlerts = enabled;
            await state.WriteStateAsync();
        }

        return View();
    }

    private GuardPush View() => new(state.State.NewAlerts, [.. state.State.Devices.Values.OrderBy(d => d.CreatedAt)]);
}
