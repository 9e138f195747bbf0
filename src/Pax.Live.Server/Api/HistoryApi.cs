using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Pax.Live.Server.Auth;
using Pax.Live.Server.History;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Api;

/// <summary>The history of a place: <c>series</c> per kind in steps, and every level change.</summary>
public sealed record HistoryView(
    string PlaceId, DateTimeOffset From, DateTimeOffset To, string Step,
    IReadOnlyDictionary<string, List<HistoryPoint>> Series, IReadOnlyList<LevelChangePoint> Levels);

/// <summary><c>GET /api/places/{id}/history?from=&amp;to=&amp;step=</c>.</summary>
public static class HistoryApi
{
    private const int MaxPoints = 10_000;
    private const int MaxStepDays = 366;

    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapHistoryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/places/{id}/history", Get).RequireAuthorization(PaxClaims.Field).WithTags("Places");
        return app;
    }

    private static async Task<Results<Ok<HistoryView>, ProblemHttpResult, ValidationProblem>> Get(
        string id, string? from, string? to, string? step, ClaimsPrincipal user, IGrainFactory grains, [FromServices] HistoryStore? store, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return TypedResults.Problem(
                title: "History is off.", detail: $"History needs a database: set {StorageOptions.Section}:{nameof(StorageOptions.Provider)} to Sqlite or PostgreSql.",
                statusCode: StatusCodes.Status501NotImplemented);
        }

        if (await Problems.FindPlace(grains, id) is not { } place)
        {
            return Problems.NoSuchPlace(id);
        }

        // A place's past is read like its alerts: the control room everywhere, guards and staff in their own areas.
        if (!user.ToActor().CoversArea(place.Area))
        {
            return Problems.Forbidden("The place is outside your areas.");
        }

        var errors = new Dictionary<string, string[]>();
        var end = QueryTime.Parse(to, clock.GetUtcNow(), "to", errors);
        var start = QueryTime.Parse(from, QueryTime.Before(end, TimeSpan.FromHours(1)), "from", errors);
        var stepText = string.IsNullOrEmpty(step) ? "1m" : step;
        if (!TryParseStep(stepText, out var stepSpan))
        {
            errors["step"] = [$"A step is a whole number of minutes, hours or days, at most {MaxStepDays} days: 1m, 15m, 1h, 1d."];
        }

        if (errors.Count == 0 && start >= end)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }

        if (errors.Count == 0 && (end - start) / stepSpan > MaxPoints)
        {
            errors["step"] = [$"At most {MaxPoints} steps per request: use a larger step or a shorter range."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The history request is not valid.");
        }

        var (series, levels) = await store.Query(
            id, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), (long)stepSpan.TotalMilliseconds, cancellationToken);
        return TypedResults.Ok(new HistoryView(id, start, end, stepText, series, levels));
    }

    /// <summary>Parses <c>15m</c>, <c>1h</c>, <c>1d</c>.</summary>
    public static bool TryParseStep(string text, out TimeSpan step)
    {
        step = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0
            || n > MaxStepDays * 24 * 60)
        {
            return false;
        }

        step = text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => default,
        };
        return step > TimeSpan.Zero && step <= TimeSpan.FromDays(MaxStepDays);
    }
}
