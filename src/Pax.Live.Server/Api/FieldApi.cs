using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;

namespace Pax.Live.Server.Api;

/// <summary><c>POST /api/places/{id}/observations</c>'s body: how serious, 1 to 3.</summary>
public sealed record ObservationRequest(int? Severity);

/// <summary>
/// What people in the field report: an observation enters its place as a <c>report</c> signal (severity 3 raises an
/// alert, 2 elevates the place), and a check-in shows on the place (guard present, time since the last patrol). Neither
/// keeps who it was: places, not persons.
/// </summary>
public static class FieldApi
{
    /// <summary>The device id observations arrive under.</summary>
    public const string ObservationDevice = "observation";

    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapFieldApi(this IEndpointRouteBuilder app)
    {
        var places = app.MapGroup("/api/places/{id}").RequireAuthorization(PaxClaims.Field).WithTags("Field");
        places.MapPost("/observations", Observe);
        places.MapPost("/check-in", CheckIn);
        return app;
    }

    private static async Task<Results<Accepted, ProblemHttpResult, ValidationProblem>> Observe(
        string id, ObservationRequest request, ClaimsPrincipal user, IGrainFactory grains, TimeProvider clock)
    {
        if (await Problems.FindPlace(grains, id) is not { } place)
        {
            return Problems.NoSuchPlace(id);
        }

        // An observation is made on the spot: by people of the place's area (the control room is everywhere).
        if (!user.ToActor().CoversArea(place.Area))
        {
            return Problems.Forbidden("The place is outside your areas.");
        }

        if (request.Severity is not (1 or 2 or 3))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["severity"] = ["A severity of 1, 2 or 3."] });
        }

        var sample = new SignalSample(ObservationDevice, SignalKind.Report, request.Severity.Value, clock.GetUtcNow().ToUnixTimeMilliseconds());
        await grains.GetGrain<IPlaceGrain>(id).Ingest(new SignalBatch([sample]));
        return TypedResults.Accepted($"/api/places/{id}");
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> CheckIn(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await Problems.UnlessPlace(grains, id) is { } missing)
        {
            return missing;
        }

        var actor = user.ToActor();
        if (actor.Role is not (Role.Guard or Role.Staff))
        {
            return Problems.Forbidden("Guards and staff check in at places.");
        }

        await grains.GetGrain<IPlaceGrain>(id).CheckIn(actor.Role);
        return TypedResults.NoContent();
    }
}
