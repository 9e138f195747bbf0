using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;
using Pax.Live.Abstractions;
using Pax.Live.Contracts;
using Pax.Live.Server.Auth;
using Pax.Live.Server.Catalog;

namespace Pax.Live.Server.Api;

/// <summary>An image plan's picture: where to fetch it and where its corners lie.</summary>
public sealed record SitePlanImageView(string Type, string Url, ImageCorners Corners);

/// <summary>An area's site plan as <c>GET /api/areas/{area}/siteplan</c> shows it: outlines or an image.</summary>
public sealed record SitePlanView(string Area, JsonElement? Outlines, SitePlanImageView? Image, DateTimeOffset UpdatedAt, string UpdatedBy)
{
    /// <summary>The view of a stored plan (its image by URL, not inline).</summary>
    public static SitePlanView Of(SitePlan plan)
    {
        JsonElement? outlines = null;
        if (plan.Outlines is { } text)
        {
            using var document = JsonDocument.Parse(text);
            outlines = document.RootElement.Clone();
        }

        var image = plan.ImageType is { } type && plan.Corners is { } corners
            ? new SitePlanImageView(type, $"/api/areas/{plan.Area}/siteplan/image?v={plan.UpdatedAt.ToUnixTimeMilliseconds()}", corners)
            : null;
        return new SitePlanView(plan.Area, outlines, image, plan.UpdatedAt, plan.UpdatedBy);
    }
}

/// <summary>
/// <c>/api/areas/{area}/siteplan</c>: the plan the map draws under an area's places when no tile server is configured.
/// Admins put and delete; everyone signed in reads the plans of the areas they cover (the control room all of them).
/// </summary>
public static class SitePlansApi
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapSitePlansApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/siteplans", GetAll).RequireAuthorization(PaxClaims.Field).WithTags("Site plans");
        var plan = app.MapGroup("/api/areas/{area}/siteplan").RequireAuthorization(PaxClaims.Field).WithTags("Site plans");
        plan.MapGet("/", GetOne);
        plan.MapGet("/image", GetImage);
        plan.MapPut("/", Put).RequireAuthorization(PaxClaims.AdminOnly)
            .Accepts<JsonElement>("application/geo+json", "application/json", "image/png", "image/jpeg", "image/svg+xml");
        plan.MapDelete("/", Delete).RequireAuthorization(PaxClaims.AdminOnly);
        return app;
    }

    /// <summary>The plans of every area the caller covers that has one.</summary>
    private static async Task<SitePlanView[]> GetAll(ClaimsPrincipal user, IGrainFactory grains)
    {
        var actor = user.ToActor();
        var areas = (await grains.GetGrain<ICatalogGrain>(0).GetAll())
            .Select(p => p.Area).OfType<string>().Distinct(StringComparer.Ordinal).Where(actor.CoversArea).Order(StringComparer.Ordinal).ToArray();
        var plans = await Task.WhenAll(areas.Select(a => grains.GetGrain<ISitePlanGrain>(a).GetSummary().AsTask()));
        return [.. plans.OfType<SitePlan>().Select(SitePlanView.Of)];
    }

    private static async Task<IResult> GetOne(string area, ClaimsPrincipal user, IGrainFactory grains)
    {
        if (await Refusal(area, user, grains) is { } refusal)
        {
            return refusal;
        }

        var plan = await grains.GetGrain<ISitePlanGrain>(area).GetSummary();
        return plan is null ? NoPlan(area) : TypedResults.Ok(SitePlanView.Of(plan));
    }

    private static async Task<IResult> GetImage(string area, ClaimsPrincipal user, IGrainFactory grains, HttpContext context)
    {
        if (await Refusal(area, user, grains) is { } refusal)
        {
            return refusal;
        }

        if (await grains.GetGrain<ISitePlanGrain>(area).GetPlan() is not { Image: { } bytes, ImageType: { } type })
        {
            return NoPlan(area, "an image");
        }

        // Opened on its own, an image (an SVG above all) runs nothing and reaches nothing.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
        context.Response.Headers.CacheControl = "private, no-cache";
        return TypedResults.Bytes(bytes, type);
    }

    private static async Task<IResult> Put(string area, HttpRequest request, ClaimsPrincipal user, IGrainFactory grains, SitePlanOptions options, TimeProvider clock)
    {
        if (await UnlessArea(area, grains) is { } missing)
        {
            return missing;
        }

        var mediaType = MediaTypeHeaderValue.TryParse(request.ContentType, out var parsed) ? parsed.MediaType.Value?.ToLowerInvariant() : null;
        var outlines = mediaType is "application/geo+json" or "application/json";
        if (!outlines && !SitePlanImage.Types.Contains(mediaType))
        {
            return TypedResults.Problem(
                title: "Unsupported site plan type.",
                detail: $"A site plan is GeoJSON (application/geo+json) or an image ({string.Join(", ", SitePlanImage.Types)}), not '{request.ContentType}'.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var limit = outlines ? options.MaxOutlinesBytes : options.MaxImageBytes;

        // A plan may be larger than any other request (Pax:Http:MaxRequestBytes, 1 MiB): this route's own limit
        // replaces the server's, so that a 2 MiB image is stored and a 5 MiB one is a 413, never Kestrel's refusal.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = limit;
        }

        if (await ReadCapped(request, limit) is not { } body)
        {
            return TypedResults.Problem(
                title: "The site plan is too large.",
                detail: $"At most {limit} bytes for {(outlines ? "outlines" : "an image")}.",
                statusCode: StatusCodes.Status413PayloadTooLarge);
        }

        var by = user.ToActor().Name;
        SitePlan plan;
        if (outlines)
        {
            if (SitePlanOutlines.Normalise(body, out var errors) is not { } text)
            {
                return TypedResults.ValidationProblem(errors, title: "The site plan's outlines are not valid.");
            }

            plan = new SitePlan(area, text, null, null, null, clock.GetUtcNow(), by);
        }
        else
        {
            if (CornersOf(request.Query, out var cornerErrors) is not { } corners)
            {
                return TypedResults.ValidationProblem(cornerErrors, title: "The image's corners are not valid.");
            }

            if (SitePlanImage.Mismatch(mediaType!, body) is { } mismatch)
            {
                return TypedResults.Problem(title: "The image is not what its type says.", detail: mismatch, statusCode: StatusCodes.Status415UnsupportedMediaType);
            }

            plan = new SitePlan(area, null, mediaType, body, corners, clock.GetUtcNow(), by);
        }

        await grains.GetGrain<ISitePlanGrain>(area).Put(plan);
        return TypedResults.Ok(SitePlanView.Of(plan));
    }

    private static async Task<IResult> Delete(string area, IGrainFactory grains)
    {
        if (await UnlessArea(area, grains) is { } missing)
        {
            return missing;
        }

        return await grains.GetGrain<ISitePlanGrain>(area).Delete() ? TypedResults.NoContent() : NoPlan(area);
    }

    /// <summary>The four corners from the query (<c>topLeft=lat,lon&amp;topRight=…&amp;bottomRight=…&amp;bottomLeft=…</c>).</summary>
    private static ImageCorners? CornersOf(IQueryCollection query, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var points = new GeoPoint[4];
        string[] names = ["topLeft", "topRight", "bottomRight", "bottomLeft"];
        for (var i = 0; i < names.Length; i++)
        {
            if (!SitePlanImage.TryParseCorner(query[names[i]], out points[i]))
            {
                errors[names[i]] = [$"The image's {names[i]} corner is required as latitude,longitude (e.g. {names[i]}=59.2790,15.2090)."];
            }
        }

        if (errors.Count > 0)
        {
            return null;
        }

        var corners = new ImageCorners(points[0], points[1], points[2], points[3]);
        if (!SitePlanImage.SpansArea(corners))
        {
            errors["corners"] = ["The four corners must span an area, not lie on one line."];
            return null;
        }

        return corners;
    }

    private static async Task<byte[]?> ReadCapped(HttpRequest request, int limit)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>404 for an area no place is in, 403 for an area the caller does not cover, else null.</summary>
    private static async Task<IResult?> Refusal(string area, ClaimsPrincipal user, IGrainFactory grains) =>
        await UnlessArea(area, grains) ?? (user.ToActor().CoversArea(area) ? null : Problems.Forbidden("The area is outside your areas."));

    private static async Task<IResult?> UnlessArea(string area, IGrainFactory grains) =>
        Ids.IsValid(area) && (await grains.GetGrain<ICatalogGrain>(0).GetAll()).Any(p => p.Area == area)
            ? null
            : TypedResults.Problem(title: "No such area.", detail: $"No place in the catalogue is in area '{area}'.", statusCode: StatusCodes.Status404NotFound);

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult NoPlan(string area, string what = "a site plan") =>
        TypedResults.Problem(title: "No site plan.", detail: $"Area '{area}' has no {what}.", statusCode: StatusCodes.Status404NotFound);
}
