using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;

namespace Pax.Live.Server.Api;

/// <summary><c>POST /api/places/{id}/snooze</c>'s body: the cause, for how long (0 lifts it), and why.</summary>
public sealed record SnoozeRequest(SignalKind? Kind, int? Minutes, string? Why);

/// <summary><c>POST /api/places/{id}/focus</c>'s body: for how long (0 ends it), and why.</summary>
public sealed record FocusRequest(int? Minutes, string? Why);

/// <summary>An area: its places and the guards assigned to it.</summary>
public sealed record AreaView(string Area, string[] Places, string[] Guards);

/// <summary>
/// What the control room sets on a place: snoozing an alert cause for a while, and "punktmarkera" — putting the place in
/// focus. Both record who and why, and both end by themselves.
/// </summary>
public static class ControlRoomApi
{
    private const int MaxMinutes = 12 * 60;

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapControlRoomApi(this IEndpointRouteBuilder app)
    {
        var place = app.MapGroup("/api/places/{id}").RequireAuthorization(PaxClaims.ControlRoom).WithTags("Control room");
        place.MapPost("/snooze", Snooze);
        place.MapPost("/focus", SetFocus);
        app.MapGet("/api/areas", Areas).RequireAuthorization(PaxClaims.ControlRoom).WithTags("Control room");
        return app;
    }

    /// <summary>
    /// Every area, with its places and the guards assigned to it (enabled ones): whom the control room can dispatch.
    /// Areas are not a thing of their own: an area is there when a place or a guard names it.
    /// </summary>
    private static async Task<AreaView[]> Areas(IGrainFactory grains)
    {
        var places = await grains.GetGrain<ICatalogGrain>(0).GetAll();
        var users = await grains.GetGrain<IUserDirectoryGrain>(0).All();
        var guards = users.Where(u => u.Role == Role.Guard && !u.Disabled).ToArray();
        return [.. places.Select(p => p.Area).Concat(guards.SelectMany(g => g.Areas)).OfType<string>()
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal)
            .Select(area => new AreaView(
                area,
                [.. places.Where(p => p.Area == area).Select(p => p.Id).Order(StringComparer.Ordinal)],
                [.. guards.Where(g => g.Areas.Contains(area)).Select(g => g.Name).Order(StringComparer.Ordinal)]))];
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> Snooze(
        string id, SnoozeRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = Check(request.Minutes, request.Why);
        if (request.Kind is not (SignalKind.Impulse or SignalKind.Fire or SignalKind.Report))
        {
            errors["kind"] = ["Only alert causes can be snoozed: impulse, fire or report."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The snooze is not valid.");
        }

        if (await Problems.UnlessPlace(grains, id) is { } missing)
        {
            return missing;
        }

        await grains.GetGrain<IPlaceGrain>(id).SnoozeCause(request.Kind!.Value, TimeSpan.FromMinutes(request.Minutes!.Value), user.ToActor(), request.Why ?? "");
        return TypedResults.NoContent();
    }

    private static async Task<Results<NoContent, ProblemHttpResult, ValidationProblem>> SetFocus(
        string id, FocusRequest request, ClaimsPrincipal user, IGrainFactory grains)
    {
        var errors = Check(request.Minutes, request.Why);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The focus is not valid.");
        }

        if (await Problems.UnlessPlace(grains, id) is { } missing)
        {
            return missing;
        }

        await grains.GetGrain<IPlaceGrain>(id).SetFocus(TimeSpan.FromMinutes(request.Minutes!.Value), user.ToActor(), request.Why ?? "");
        return TypedResults.NoContent();
    }

    private static Dictionary<string, string[]> Check(int? minutes, string? why)
    {
        var errors = new Dictionary<string, string[]>();
        if (minutes is not (>= 0 and <= MaxMinutes))
        {
            errors["minutes"] = [$"From 0 (lift it) to {MaxMinutes} minutes."];
        }
        else if (minutes > 0 && (string.IsNullOrWhiteSpace(why) || why.Length > 500))
        {
            errors["why"] = ["Say why, in 1 to 500 characters."];
        }

        return errors;
    }
}
