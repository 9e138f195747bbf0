using System.Collections.Concurrent;

namespace Pax.Live.Server.Ingest;

/// <summary>
/// Interned device ids: a message's device is found by the topic's characters and the same string is reused for every
/// message from that device, so ingest allocates no string per message. Bounded: past the limit it starts over.
/// </summary>
public sealed class DeviceIds
{
    private const int MaxIds = 1_000_000;

    private readonly ConcurrentDictionary<string, string> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>Creates an empty set.</summary>
    public DeviceIds() => _bySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The one string for <paramref name="deviceId"/>.</summary>
    public string Intern(ReadOnlySpan<char> deviceId)
    {
        if (_bySpan.TryGetValue(deviceId, out var id))
        {
            return id;
        }

        if (_ids.Count >= MaxIds)
        {
            _ids.Clear();
        }

        id = deviceId.ToString();
        return _ids.GetOrAdd(id, id);
    }
}
