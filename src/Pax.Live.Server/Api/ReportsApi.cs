using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
using Pax.Live.Server.History;
using Pax.Live.Server.Reports;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Api;

/// <summary>
/// <c>GET /api/reports/lagesbild?from=&amp;to=&amp;area=&amp;format=</c>: the lägesbild for the municipal board, for the
/// control room and admins. A self-contained printable HTML page by default; JSON with <c>format=json</c> or an
/// <c>Accept</c> that prefers <c>application/json</c>. <c>GET /api/rules/precision?from=&amp;to=&amp;area=</c>: how often
/// each rule's and each device's alerts were right, from their outcomes (JSON). <c>to</c> defaults to now, <c>from</c> to
/// 30 days before <c>to</c>; at most 366 days. An area no place of the catalogue is in is a 404 (an empty report would
/// read as a quiet one).
/// </summary>
public static class ReportsApi
{
    /// <summary>The longest period one report covers.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(366);

    /// <summary>The period when <c>from</c> is not given.</summary>
    public static readonly TimeSpan DefaultPeriod = TimeSpan.FromDays(30);

    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/reports/lagesbild", Lagesbild).RequireAuthorization(PaxClaims.ControlRoom).WithTags("Reports");
        app.MapGet("/api/rules/precision", Precision).RequireAuthorization(PaxClaims.ControlRoom).WithTags("Reports");
        return app;
    }

    private static async Task<IResult> Lagesbild(
        string? from, string? to, string? area, string? format, string? lang, HttpContext context, IGrainFactory grains,
        [FromServices] HistoryStore? store, [FromServices] HistoryOptions? history, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return ReportsOff();
        }

        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var (start, end) = Period(from, to, area, now, errors);
        var json = false;
        switch (format?.ToLowerInvariant())
        {
            case null or "":
                json = PrefersJson(context.Request);
                break;
            case "json":
                json = true;
                break;
            case "html":
                break;
            default:
                errors["format"] = ["'format' is html or json."];
                break;
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The report request is not valid.");
        }

        var places = await PlacesOf(grains, area);
        if (places.Count == 0 && !string.IsNullOrEmpty(area))
        {
            return NoSuchArea(area);
        }

        var (previousFrom, _) = LagesbildMath.PreviousPeriod(start, end);
        var ids = places.Select(p => p.PlaceId).ToHashSet(StringComparer.Ordinal);
        var changes = await store.LevelChanges(ids, previousFrom.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), cancellationToken);
        var alerts = await store.Alerts(previousFrom.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), cancellationToken);
        var report = LagesbildMath.Build(start, end, now, string.IsNullOrEmpty(area) ? null : area, places, changes, alerts) with
        {
            HistorySince = history is null ? null : now - history.Retention,
        };
        context.Response.Headers.Vary = HeaderNames.Accept;
        return json
            ? TypedResults.Ok(report)
            : TypedResults.Content(LagesbildHtml.Render(report, LagesbildHtml.Language(lang ?? context.Request.Headers.AcceptLanguage.ToString())), "text/html; charset=utf-8");
    }

    private static async Task<IResult> Precision(
        string? from, string? to, string? area, IGrainFactory grains, [FromServices] HistoryStore? store, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return ReportsOff();
        }

        var errors = new Dictionary<string, string[]>();
        var (start, end) = Period(from, to, area, clock.GetUtcNow(), errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The precision request is not valid.");
        }

        var places = await PlacesOf(grains, area);
        if (places.Count == 0 && !string.IsNullOrEmpty(area))
        {
            return NoSuchArea(area);
        }

        var ids = places.Select(p => p.PlaceId).ToHashSet(StringComparer.Ordinal);
        var precision = await store.Precision(ids, start.ToUnixTimeMilliseconds(), end.ToUnixTimeMilliseconds(), cancellationToken);
        return TypedResults.Ok(precision.Build(start, end, string.IsNullOrEmpty(area) ? null : area));
    }

    /// <summary>The period asked for, defaulted and checked; what is wrong with it (or with the area) goes to <paramref name="errors"/>.</summary>
    private static (DateTimeOffset From, DateTimeOffset To) Period(
        string? from, string? to, string? area, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var end = QueryTime.Parse(to, now, "to", errors);
        var start = QueryTime.Parse(from, QueryTime.Before(end, DefaultPeriod), "from", errors);
        if (!string.IsNullOrEmpty(area) && !Ids.IsValid(area))
        {
            errors["area"] = ["An area id is 1 to 64 characters of a-z, 0-9 and '-'."];
        }

        if (errors.Count == 0 && start >= end)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }

        if (errors.Count == 0 && end - start > MaxPeriod)
        {
            errors["to"] = [$"A report covers at most {MaxPeriod.TotalDays:0} days."];
        }

        return (start, end);
    }

    private static async Task<List<ReportPlace>> PlacesOf(IGrainFactory grains, string? area) =>
        [.. (await grains.GetGrain<ICatalogGrain>(0).GetAll())
            .Where(p => string.IsNullOrEmpty(area) || string.Equals(p.Area, area, StringComparison.Ordinal))
            .Select(p => new ReportPlace(p.Id, p.Name, p.Area, p.CreatedAt))];

    private static ProblemHttpResult ReportsOff() => TypedResults.Problem(
        title: "Reports are off.",
        detail: $"Reports read the history, which needs a database: set {StorageOptions.Section}:{nameof(StorageOptions.Provider)} to Sqlite or PostgreSql.",
        statusCode: StatusCodes.Status501NotImplemented);

    private static ProblemHttpResult NoSuchArea(string area) => TypedResults.Problem(
        title: "No such area.", detail: $"No place of the catalogue is in the area '{area}'.", statusCode: StatusCodes.Status404NotFound);

    /// <summary>JSON when the client ranks <c>application/json</c> above <c>text/html</c>; HTML otherwise (browsers, no Accept).</summary>
    internal static bool PrefersJson(HttpRequest request)
    {
        double jsonQuality = 0, htmlQuality = 0;
        foreach (var type in request.GetTypedHeaders().Accept)
        {
            var quality = type.Quality ?? 1;
            if (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || type.MediaType.Equals("application/problem+json", StringComparison.OrdinalIgnoreCase))
            {
                jsonQuality = Math.Max(jsonQuality, quality);
            }
            else if (type.MediaType.Equals("text/html", StringComparison.OrdinalIgnoreCase))
            {
                htmlQuality = Math.Max(htmlQuality, quality);
            }
        }

        return jsonQuality > htmlQuality;
    }
}
