using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Api;

/// <summary>A place with its live status, as <c>GET /api/places</c> shows it.</summary>
public sealed record PlaceView(
    string Id,
    string Name,
    string Kind,
    double Latitude,
    double Longitude,
    string? Area,
    ThresholdsDocument Thresholds,
    Level Level,
    DateTimeOffset LevelSince,
    DateTimeOffset? UpdatedAt,
    IReadOnlyDictionary<string, double> Values,
    OpenAlert[] OpenAlerts,
    DeviceInfo[] Devices,
    ClosedAlert[] RecentAlerts,
    DateTimeOffset? LastGuardVisit,
    DateTimeOffset? LastStaffVisit,
    Snooze[] Snoozes,
    Focus? Focus)
{
    /// <summary>Joins a definition and a status.</summary>
    public static PlaceView Of(PlaceDefinition place, PlaceStatus status)
    {
        var values = new Dictionary<string, double>(status.Values.Length);
        foreach (var value in status.Values)
        {
            values[value.Kind.Name()] = value.Value;
        }

        return new PlaceView(
            place.Id, place.Name, place.Kind, place.Latitude, place.Longitude, place.Area, PlaceDocument.From(place).Thresholds!,
            status.Level, status.LevelSince, status.UpdatedAt, values, status.OpenAlerts, status.Devices, status.RecentAlerts,
            status.LastGuardVisit, status.LastStaffVisit, status.Snoozes, status.Focus);
    }

    /// <summary>
    /// What <paramref name="actor"/> may see of the place. The control room sees everything; a guard everything at the
    /// places of their areas; staff the visits at theirs. Everyone sees the level and the values (the live hub pushes
    /// those to any signed-in watcher): alerts, snoozes, focus and devices are for whoever acts on them.
    /// </summary>
    public PlaceView For(Actor actor)
    {
        if (actor.Role is Role.Operator or Role.Admin || (actor.Role == Role.Guard && actor.CoversArea(Area)))
        {
            return this;
        }

        var visits = actor.Role == Role.Staff && actor.CoversArea(Area);
        return this with
        {
            OpenAlerts = [],
            RecentAlerts = [],
            Devices = [],
            Snoozes = [],
            Focus = null,
            LastGuardVisit = visits ? LastGuardVisit : null,
            LastStaffVisit = visits ? LastStaffVisit : null,
        };
    }
}

/// <summary><c>/api/places</c>: the catalogue with live status.</summary>
public static class PlacesApi
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapPlacesApi(this IEndpointRouteBuilder app)
    {
        var places = app.MapGroup("/api/places").RequireAuthorization(PaxClaims.Field).WithTags("Places");
        places.MapGet("/", GetAll);
        places.MapGet("/{id}", GetOne);
        places.MapPut("/{id}", Put).RequireAuthorization(PaxClaims.AdminOnly);
        return app;
    }

    private static async Task<PlaceView[]> GetAll(ClaimsPrincipal user, IGrainFactory grains)
    {
        var actor = user.ToActor();
        var definitions = await grains.GetGrain<ICatalogGrain>(0).GetAll();
        var statuses = await Task.WhenAll(definitions.Select(d => grains.GetGrain<IPlaceGrain>(d.Id).GetStatus().AsTask()));
        return [.. definitions.Zip(statuses, PlaceView.Of).Select(p => p.For(actor)).OrderBy(p => p.Name, StringComparer.Ordinal)];
    }

    private static async Task<Results<Ok<PlaceView>, ProblemHttpResult>> GetOne(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await Problems.FindPlace(grains, id) is not { } definition)
        {
            return Problems.NoSuchPlace(id);
        }

        var status = await grains.GetGrain<IPlaceGrain>(id).GetStatus();
        return TypedResults.Ok(PlaceView.Of(definition, status).For(user.ToActor()));
    }

    private static async Task<Results<Created<PlaceView>, Ok<PlaceView>, ValidationProblem>> Put(string id, PlaceDocument document, IGrainFactory grains)
    {
        var errors = document.Validate(id, out var definition);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The place is not valid.");
        }

        var created = await grains.GetGrain<ICatalogGrain>(0).Upsert(definition!);
        var view = PlaceView.Of(definition!, await grains.GetGrain<IPlaceGrain>(id).GetStatus());
        return created ? TypedResults.Created($"/api/places/{id}", view) : TypedResults.Ok(view);
    }
}
