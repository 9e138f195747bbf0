using System.Buffers.Text;
using System.Security.Cryptography;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>The stored VAPID key pair.</summary>
[GenerateSerializer, Alias("pax.PushKeysState")]
public sealed class PushKeysState
{
    /// <summary>The key pair; null until the first call.</summary>
    [Id(0)]
    public VapidKeys? Keys { get; set; }
}

/// <summary>
/// Makes the VAPID key pair once and keeps it in the cluster's storage, so that every node signs with the same key and
/// the phones' subscriptions (bound to the public key) outlive a restart.
/// </summary>
public sealed class PushKeysGrain(
    [PersistentState(PushKeysGrain.StateName, PaxStorage.Name)] IPersistentState<PushKeysState> state) : Grain, IPushKeysGrain
{
    /// <summary>The state name: one per grain class.</summary>
    public const string StateName = "push-keys";

    /// <inheritdoc />
    public async ValueTask<VapidKeys> GetOrCreate()
    {
        if (state.State.Keys is { } keys)
        {
            return keys;
        }

        state.State.Keys = NewKeys();
        await state.WriteStateAsync();
        return state.State.Keys;
    }

    /// <summary>A fresh P-256 key pair in the form VAPID uses.</summary>
    public static VapidKeys NewKeys()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var parameters = key.ExportParameters(includePrivateParameters: true);
        var publicKey = new byte[65];
        publicKey[0] = 0x04;
        parameters.Q.X!.CopyTo(publicKey, 1);
        parameters.Q.Y!.CopyTo(publicKey, 33);
        return new VapidKeys(Base64Url.EncodeToString(publicKey), Base64Url.EncodeToString(parameters.D!));
    }
}
