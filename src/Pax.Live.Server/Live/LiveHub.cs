using Microsoft.AspNetCore.SignalR;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Live;

/// <summary>What the server calls on a live client.</summary>
public interface ILiveClient
{
    /// <summary>A watched place's status changed (coalesced per place).</summary>
    Task PlaceStatusChanged(PlaceStatusChanged change);

    /// <summary>An alert was raised; its <c>position</c> member is its place in the audience's feed.</summary>
    Task AlertRaised(FeedEvent<AlertRaised> alert);

    /// <summary>An alert moved in its lifecycle; its <c>position</c> member is its place in the audience's feed.</summary>
    Task AlertChanged(FeedEvent<AlertView> alert);

    /// <summary>The cluster's fan-out was interrupted (a node left): alert events may have been missed, call <c>Resume</c>.</summary>
    Task FeedInterrupted();
}

/// <summary>
/// <c>/hubs/live</c>: the control room and the guards' phones. A client calls <see cref="Watch"/> with the places it
/// wants (none = every place) and gets their current status back; after that, changes and alerts are pushed.
/// Statuses go to whoever watches the place. Alerts go by audience: the control room (operators, admins) gets the
/// alerts of the places it watches; a guard gets the alerts of the areas they are assigned to, whatever they watch;
/// staff get none. Every alert event carries its position in its audience's feed; a client that connects, or comes
/// back after a dropped connection, calls <see cref="Resume"/> with the last positions it saw and gets what it missed.
/// </summary>
public sealed class LiveHub(IGrainFactory grains, PlaceDirectory places, UserSessions users) : Hub<ILiveClient>
{
    /// <summary>The most places one client may list.</summary>
    public const int MaxWatched = 10_000;

    private const string WatchedKey = "watched";
    private const string PlacesKey = "places";

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

        // Known by user, so that a change of the user's power closes this connection at once.
        users.Connected(actor.Name, Context);
        if (actor.Role == Role.Guard)
        {
            foreach (var area in actor.Areas)
            {
                await Groups.AddToGroupAsync(Context.ConnectionId, AreaGroup(area));
            }
        }

        await base.OnConnectedAsync();
    }

    /// <inheritdoc />
    public override Task OnDisconnectedAsync(Exception? exception)
    {
        users.Disconnected(Context.User!.ToActor().Name, Context);
        return base.OnDisconnectedAsync(exception);
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

        // Only places in the catalogue get groups: a connection naming ids that are no place must not make the server
        // hold a group for each (a place defined later is watched by watching again, or by watching every place).
        var everything = placeIds.Length == 0;
        placeIds = everything ? placeIds : [.. placeIds.Where(id => places.TryGet(id, out _)).Distinct(StringComparer.Ordinal)];
        var controlRoom = Context.User!.ToActor().Role is Role.Operator or Role.Admin;
        var groups = new List<string>();
        if (everything)
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
        Context.Items[PlacesKey] = everything ? null : placeIds.ToHashSet(StringComparer.Ordinal);

        var ids = everything ? places.All() : placeIds;
        var statuses = await Task.WhenAll(ids.Select(id => grains.GetGrain<IPlaceGrain>(id).GetStatus().AsTask()));
        return [.. statuses.Select(LiveEvents.ToChange)];
    }

    /// <summary>
    /// What the caller missed in each of its audiences' feeds since <paramref name="cursors"/> (the last position it
    /// saw per audience; none on first connect, which gets every audience's open alerts). Call it after
    /// <see cref="Watch"/>, on connect and after every reconnect; then drop pushed events at or before the page's position.
    /// </summary>
    public async Task<AlertFeedPage[]> Resume(FeedPosition[] cursors)
    {
        cursors ??= [];
        var audiences = Audiences.For(Context.User!.ToActor());
        var pages = await Task.WhenAll(audiences.Select(audience =>
        {
            var cursor = cursors.FirstOrDefault(c => c?.Audience == audience);
            return Since(audience, cursor?.Epoch ?? 0, cursor?.Seq ?? 0);
        }));

        // The control room hears the places it watches (all, until it says otherwise), and resumes the same way.
        if (Context.Items.TryGetValue(PlacesKey, out var watched) && watched is HashSet<string> places)
        {
            pages = [.. pages.Select(page => Audiences.AreaOf(page.Audience) is not null ? page : page with
            {
                Entries = [.. page.Entries.Where(e => places.Contains(e.Raised?.PlaceId ?? e.Changed!.PlaceId))],
                Open = [.. page.Open.Where(a => places.Contains(a.PlaceId))],
            })];
        }

        return pages;
    }

    /// <summary>
    /// A feed's page, tried a few times: right after a node died, the feed's old address can still be tried once
    /// before its new activation answers, and a client that resumes because of that death must not be turned away.
    /// </summary>
    private async Task<AlertFeedPage> Since(string audience, long epoch, long seq)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await grains.GetGrain<IAlertFeedGrain>(audience).Since(epoch, seq);
            }
            catch (Exception ex) when (attempt < 5 && ex is not OperationCanceledException and not HubException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250 * attempt), Context.ConnectionAborted);
            }
        }
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
