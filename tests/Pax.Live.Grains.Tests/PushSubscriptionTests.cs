using Pax.Live.Abstractions;

namespace Pax.Live.Grains.Tests;

/// <summary>A user's phones: one entry per phone and per endpoint, a limit, and a gone endpoint dropped; one VAPID key pair.</summary>
[Collection(ClusterCollection.Name)]
public sealed class PushSubscriptionTests(ClusterFixture fixture)
{
    private static PushSubscriptionRecord Phone(string deviceId, string endpoint) =>
        new(deviceId, endpoint, "key-" + deviceId, "auth-" + deviceId, ClusterFixture.Start);

    [Fact]
    public async Task APhoneIsOneEntryUnderItsIdAndItsEndpointAndTheLimitHolds()
    {
        var grain = fixture.Grains.GetGrain<IPushSubscriptionGrain>("vakt-" + Guid.NewGuid().ToString("N")[..8]);
        Assert.True(await grain.Subscribe(Phone("a", "https://push.example/1"), limit: 2));
        Assert.True(await grain.Subscribe(Phone("a", "https://push.example/2"), limit: 2));

        // The same browser under a new id (its storage was cleared) replaces its old entry.
        Assert.True(await grain.Subscribe(Phone("b", "https://push.example/2"), limit: 2));
        Assert.Equal(["b"], (await grain.GetPush()).Devices.Select(d => d.DeviceId));

        Assert.True(await grain.Subscribe(Phone("c", "https://push.example/3"), limit: 2));
        Assert.False(await grain.Subscribe(Phone("d", "https://push.example/4"), limit: 2));
        Assert.True(await grain.Subscribe(Phone("c", "https://push.example/5"), limit: 2));

        Assert.True(await grain.Drop("https://push.example/2"));
        Assert.False(await grain.Drop("https://push.example/2"));
        Assert.False(await grain.Unsubscribe("b"));
        Assert.True(await grain.Unsubscribe("c"));
        Assert.Empty((await grain.GetPush()).Devices);

        Assert.False((await grain.GetPush()).NewAlerts);
        Assert.True((await grain.SetNewAlerts(true)).NewAlerts);
        Assert.True((await grain.GetPush()).NewAlerts);
    }

    [Fact]
    public async Task TheVapidKeyPairIsMadeOnceAndIsAP256Pair()
    {
        var keys = await fixture.Grains.GetGrain<IPushKeysGrain>(0).GetOrCreate();
        Assert.Equal(keys, await fixture.Grains.GetGrain<IPushKeysGrain>(0).GetOrCreate());
        var publicKey = System.Buffers.Text.Base64Url.DecodeFromChars(keys.PublicKey);
        Assert.Equal(65, publicKey.Length);
        Assert.Equal(4, publicKey[0]);
        Assert.Equal(32, System.Buffers.Text.Base64Url.DecodeFromChars(keys.PrivateKey).Length);
    }
}
