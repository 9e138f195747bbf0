using Microsoft.AspNetCore.SignalR;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
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
/// Statuses go to whoever watches the place. Alerts go by audience: the control room (operators, admins) gets the
/// alerts of the places it watches; a guard gets the alerts of the areas they are assigned to, whatever they watch;
/// staff get none.
/// </summary>
public sealed class LiveHub(IGrainFactory grains, PlaceDirectory places) : Hub<ILiveClient>
{
    /// <summary>The most places one client may list.</summary>
    public const int MaxWatched = 10_000;

    private const string WatchedKey = "watched";

    /// <summary>Status of every place.</summary>
    public const string AllStatus = "status:all";

    /// <summary>Alerts of every place, for the control room.</summary>
    public const string AllAlerts = "alerts:all";

    /// <summary>Status of one place.</summary>
    public static string StatusGroup(string placeId) => "status:" + placeId;

    /// <summary>Alerts of one place, for the control room.</summary>
    public static string AlertGroup(string placeId) => "alerts:" + placeId;

    /// <summary>Alerts of one area, for its guards.</summary>
    public static string AreaGroup(string area) => "area:" + area;

    /// <inheritdoc />
    public override async Task OnConnectedAsync()
    {
        var actor = Context.User!.ToActor();
        if (actor.Role == Role.Guard)
        {
            foreach (var area in actor.Areas)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, AreaGroup(area));
            }
        }

        await base.OnConnectedAsync();
    }

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

        var controlRoom = Context.User!.ToActor().Role is Role.Operator or Role.Admin;
        var groups = new List<string>();
        if (placeIds.Length == 0)
        {
            groups.Add(AllStatus);
            if (controlRoom)
            {
                groups.Add(AllAlerts);
            }
        }
        else
        {
            groups.AddRange(placeIds.Select(StatusGroup));
            if (controlRoom)
            {
                groups.AddRange(placeIds.Select(AlertGroup));
            }
        }

        if (Context.Items.TryGetValue(WatchedKey, out var previous) && previous is List<string> old)
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
