using Microsoft.AspNetCore.SignalR;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Ingest;

namespace Pax.Live.Server.Live;

/// <summary>What the server calls on a live client.</summary>
public interface ILiveClient
{
    /// <summary>A watched place's status changed (coalesced per place).</summary>
    Task PlaceStatusChanged(PlaceStatusChanged change);

    /// <summary>An alert was raised at a watched place.</summary>
    Task AlertRaised(AlertRaised alert);

    /// <summary>An alert at a watched place moved in its lifecycle.</summary>
    Task AlertChanged(AlertView alert);
}

/// <summary>
/// <c>/hubs/live</c>: the control room and the guards' phones. A client calls <see cref="Watch"/> with the places it
/// wants (none = every place) and gets their current status back; after that, changes and alerts are pushed.
/// </summary>
public sealed class LiveHub(IGrainFactory grains, PlaceDirectory places) : Hub<ILiveClient>
{
    /// <summary>The group of clients watching every place.</summary>
    public const string AllPlaces = "all";

    /// <summary>The most places one client may list.</summary>
    public const int MaxWatched = 10_000;

    private const string WatchedKey = "watched";

    /// <summary>The group of clients watching one place.</summary>
    public static string PlaceGroup(string placeId) => "place:" + placeId;

    /// <summary>Watches <paramref name="placeIds"/> (empty: every place) instead of what was watched before; returns their status now.</summary>
    public async Task<PlaceStatusChanged[]> Watch(string[] placeIds)
    {
        placeIds ??= [];
        if (placeIds.Length > MaxWatched)
        {
            throw new HubException($"At most {MaxWatched} places can be watched at once.");
        }

        foreach (var id in placeIds)
        {
            if (!Ids.IsValid(id))
            {
                throw new HubException($"'{id}' is not a place id.");
            }
        }

        var groups = placeIds.Length == 0 ? [AllPlaces] : placeIds.Select(PlaceGroup).ToArray();
        if (Context.Items.TryGetValue(WatchedKey, out var previous) && previous is string[] old)
        {
            foreach (var group in old.Except(groups))
            {
                await Groups.RemoveFromGroupAsync(Context.ConnectionId, group);
            }
        }

        foreach (var group in groups)
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, group);
        }

        Context.Items[WatchedKey] = groups;

        var ids = placeIds.Length == 0 ? places.All() : placeIds.Where(id => places.TryGet(id, out _)).ToArray();
        var statuses = await Task.WhenAll(ids.Select(id => grains.GetGrain<IPlaceGrain>(id).GetStatus().AsTask()));
        return [.. statuses.Select(LiveEvents.ToChange)];
    }
}

/// <summary>Conversions between grain records and the events clients receive.</summary>
public static class LiveEvents
{
    /// <summary>A status as the event a client would have received for it.</summary>
    public static PlaceStatusChanged ToChange(PlaceStatus status)
    {
        var values = new Dictionary<string, double>(status.Values.Length);
        foreach (var value in status.Values)
        {
            values[value.Kind.Name()] = value.Value;
        }

        return new PlaceStatusChanged(status.PlaceId, status.Level, values, status.UpdatedAt);
    }
}
