using Lib.Net.Http.WebPush.Authentication;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Push;

/// <summary>
/// The VAPID key pair this node signs with: the configured one, or the cluster's stored one (made at first start).
/// Read once; a failure (storage away) is not kept, the next call asks again.
/// </summary>
public sealed class PushKeys(PushOptions options, IGrainFactory grains) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private VapidKeys? _keys;
    private VapidAuthentication? _authentication;

    /// <summary>The key pair.</summary>
    public async ValueTask<VapidKeys> Get()
    {
        if (_keys is { } known)
        {
            return known;
        }

        await _gate.WaitAsync();
        try
        {
            _keys ??= !string.IsNullOrWhiteSpace(options.VapidPublicKey) && !string.IsNullOrWhiteSpace(options.VapidPrivateKey)
                ? new VapidKeys(options.VapidPublicKey.Trim(), options.VapidPrivateKey.Trim())
                : await grains.GetGrain<IPushKeysGrain>(0).GetOrCreate();
            return _keys;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>What signs the requests: one VAPID token per push service, kept until shortly before it expires.</summary>
    public async ValueTask<VapidAuthentication> Authentication()
    {
        if (_authentication is { } known)
        {
            return known;
        }

        var keys = await Get();
        _authentication ??= new VapidAuthentication(keys.PublicKey, keys.PrivateKey)
        {
            Subject = options.Subject,
            TokenCache = new VapidTokenCache(),
        };
        return _authentication;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _authentication?.Dispose();
        _gate.Dispose();
    }
}
