using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Server.Api;

/// <summary>The API's shared answers: looking a place up, and the ProblemDetails for a missing place and a refusal.</summary>
internal static class Problems
{
    /// <summary>The place's definition, or null when <paramref name="id"/> is not a place in the catalogue.</summary>
    public static async Task<PlaceDefinition?> FindPlace(IGrainFactory grains, string id) =>
        Ids.IsValid(id) ? await grains.GetGrain<ICatalogGrain>(0).Find(id) : null;

    /// <summary>404: <paramref name="id"/> is not in the catalogue.</summary>
    public static ProblemHttpResult NoSuchPlace(string id) =>
        TypedResults.Problem(title: "No such place.", detail: $"'{id}' is not in the catalogue.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>404 unless <paramref name="id"/> is a place in the catalogue.</summary>
    public static async Task<ProblemHttpResult?> UnlessPlace(IGrainFactory grains, string id) =>
        await FindPlace(grains, id) is null ? NoSuchPlace(id) : null;

    /// <summary>403 with the reason.</summary>
    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(title: "Forbidden.", detail: detail, statusCode: StatusCodes.Status403Forbidden);
}
