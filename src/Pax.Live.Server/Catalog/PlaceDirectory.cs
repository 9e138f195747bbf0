using System.Collections.Concurrent;
using Pax.Live.Abstractions;

namespace Pax.Live.Server.Catalog;

/// <summary>
/// This host's copy of the catalogue's place ids: for ingest to check a topic's place without a grain call or a string,
/// and for the live hub and cluster recovery to know which places there are. Filled from the catalogue at start and
/// kept current by the catalogue's announcements to every host.
/// </summary>
public sealed class PlaceDirectory : IPlaceDefinedHandler
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte>.AlternateLookup<ReadOnlySpan<char>> _bySpan;

    /// <summary>Creates an empty directory.</summary>
    public PlaceDirectory() => _bySpan = _ids.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>How many places are known.</summary>
    public int Count => _ids.Count;

    /// <summary>Adds a place id.</summary>
    public void Add(string placeId) => _ids.TryAdd(placeId, 0);

    /// <summary>Every known place id.</summary>
    public string[] All() => [.. _ids.Keys];

    /// <summary>Finds a place by the id's characters and returns the directory's own string for it (no allocation).</summary>
    public bool TryGet(ReadOnlySpan<char> placeId, out string id) => _bySpan.TryGetValue(placeId, out id!, out _);

    /// <inheritdoc />
    public Task OnPlaceDefined(PlaceDefinition definition)
    {
        Add(definition.Id);
        return Task.CompletedTask;
    }
}
