using System.Collections.Concurrent;
using Lib.Net.Http.WebPush.Authentication;

namespace Pax.Live.Server.Push;

/// <summary>The VAPID tokens signed so far, by push service (audience), until a minute before they expire.</summary>
public sealed class VapidTokenCache : IVapidTokenCache
{
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expiration)> _tokens = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public string? Get(string audience) =>
        _tokens.TryGetValue(audience, out var entry) && entry.Expiration - TimeSpan.FromMinutes(1) > DateTimeOffset.UtcNow ? entry.Token : null;

    /// <inheritdoc />
    public void Put(string audience, DateTimeOffset expiration, string token) => _tokens[audience] = (token, expiration);
}
