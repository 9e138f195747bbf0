using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Pax.Live.Abstractions;
using Pax.Live.Grains;
using Pax.Live.Server.Auth;

namespace Pax.Live.Server.Api;

/// <summary><c>POST /api/alerts/{id}/dispatch</c>'s body.</summary>
public sealed record DispatchRequest(string? Guard);

/// <summary><c>POST /api/alerts/{id}/resolve</c>'s body.</summary>
public sealed record ResolveRequest(AlertOutcome? Outcome, string? Note);

/// <summary>An alert's audit trail and whether its hash chain is intact.</summary>
public sealed record AuditView(string AlertId, bool Intact, int? FirstBrokenEntry, AuditEntry[] Entries);

/// <summary>
/// <c>/api/alerts</c>: the queue, the lifecycle actions and the audit trail. Operators and admins see every alert;
/// guards the alerts of their areas; staff none. An action a role or area may not take is a 403, a move the alert's
/// state does not allow a 409, both as ProblemDetails.
/// </summary>
public static class AlertsApi
{
    /// <summary>Maps the endpoints.</summary>
    public static IEndpointRouteBuilder MapAlertsApi(this IEndpointRouteBuilder app)
    {
        var alerts = app.MapGroup("/api/alerts").RequireAuthorization(PaxClaims.Field).WithTags("Alerts");
        alerts.MapGet("/", List);
        alerts.MapGet("/{id}", Get);
        alerts.MapGet("/{id}/audit", Audit);
        alerts.MapPost("/{id}/acknowledge", (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(id, user, grains, (alert, actor) => alert.Acknowledge(actor)));
        alerts.MapPost("/{id}/dispatch", Dispatch);
        alerts.MapPost("/{id}/received", (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(id, user, grains, (alert, actor) => alert.Received(actor)));
        alerts.MapPost("/{id}/accept", (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(id, user, grains, (alert, actor) => alert.Accept(actor)));
        alerts.MapPost("/{id}/on-site", (string id, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(id, user, grains, (alert, actor) => alert.OnSite(actor)));
        alerts.MapPost("/{id}/resolve", (string id, ResolveRequest body, ClaimsPrincipal user, IGrainFactory grains) =>
            Act(id, user, grains, (alert, actor) => alert.Resolve(actor, body.Outcome ?? AlertOutcome.Confirmed, body.Note ?? "")));
        return app;
    }

    private static async Task<Results<Ok<AlertView[]>, ProblemHttpResult>> List(bool? resolved, ClaimsPrincipal user, IGrainFactory grains)
    {
        var actor = user.ToActor();
        if (actor.Role == Role.Staff)
        {
            return Problems.Forbidden("Staff have no alert queue.");
        }

        var all = await grains.GetGrain<IAlertIndexGrain>(0).List(resolved == true);
        return TypedResults.Ok(all.Where(a => actor.CoversArea(a.Area)).ToArray());
    }

    private static async Task<Results<Ok<AlertView>, ProblemHttpResult>> Get(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (alert, problem) = await Visible(id, user, grains);
        return problem ?? (Results<Ok<AlertView>, ProblemHttpResult>)TypedResults.Ok(alert!);
    }

    private static async Task<IResult> Audit(string id, string? format, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (alert, problem) = await Visible(id, user, grains);
        if (problem is not null)
        {
            return problem;
        }

        var entries = await grains.GetGrain<IAlertGrain>(id).GetAudit();
        var broken = AlertLifecycle.FindTampering(entries);
        if (!string.Equals(format, "csv", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Ok(new AuditView(alert!.AlertId, broken < 0, broken < 0 ? null : broken, entries));
        }

        // For a police report: one line per change, the hashes let anyone check the chain again.
        var csv = new StringBuilder("sequence,at,actor,action,from,to,why,previous_hash,hash\n");
        foreach (var e in entries)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{e.Sequence},{e.At:O},{Csv(e.Actor)},{Csv(e.Action)},{e.From},{e.To},{Csv(e.Why)},{e.PreviousHash},{e.Hash}\n");
        }

        return TypedResults.File(Encoding.UTF8.GetBytes(csv.ToString()), "text/csv", $"alert-{id}-audit.csv");
    }

    /// <summary>Only to an enabled guard who works the alert's area: anyone else would leave the alert waiting on nobody.</summary>
    private static async Task<IResult> Dispatch(string id, DispatchRequest body, ClaimsPrincipal user, IGrainFactory grains)
    {
        var (alert, problem) = await Visible(id, user, grains);
        if (problem is not null)
        {
            return problem;
        }

        var guard = string.IsNullOrEmpty(body.Guard) || !Contracts.Ids.IsValid(body.Guard)
            ? null
            : await grains.GetGrain<IUserDirectoryGrain>(0).Find(body.Guard);
        if (guard is not { Role: Role.Guard, Disabled: false } || alert!.Area is null || !guard.Areas.Contains(alert.Area))
        {
            return TypedResults.ValidationProblem(
                new Dictionary<string, string[]> { ["guard"] = [$"Not an enabled guard of the area '{alert!.Area}': see GET /api/areas."] },
                title: "The dispatch is not valid.");
        }

        return await Act(id, user, grains, (a, actor) => a.Dispatch(actor, guard.Name));
    }

    private static async Task<IResult> Act(string id, ClaimsPrincipal user, IGrainFactory grains, Func<IAlertGrain, Actor, Task<AlertView>> action)
    {
        var (_, problem) = await Visible(id, user, grains);
        if (problem is not null)
        {
            return problem;
        }

        try
        {
            return TypedResults.Ok(await action(grains.GetGrain<IAlertGrain>(id), user.ToActor()));
        }
        catch (AlertForbiddenException ex)
        {
            return Problems.Forbidden(ex.Message);
        }
        catch (AlertConflictException ex)
        {
            return TypedResults.Problem(title: "Not allowed now.", detail: ex.Message, statusCode: StatusCodes.Status409Conflict);
        }
    }

    /// <summary>The alert, if it exists and the user may see it.</summary>
    private static async Task<(AlertView? Alert, ProblemHttpResult? Problem)> Visible(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var actor = user.ToActor();
        if (actor.Role == Role.Staff)
        {
            return (null, Problems.Forbidden("Staff have no alert queue."));
        }

        if (string.IsNullOrWhiteSpace(id) || id.Length > 64 || await grains.GetGrain<IAlertGrain>(id).GetView() is not { } alert)
        {
            return (null, TypedResults.Problem(title: "No such alert.", statusCode: StatusCodes.Status404NotFound));
        }

        return actor.CoversArea(alert.Area) ? (alert, null) : (null, Problems.Forbidden("The alert is outside your areas."));
    }

    private static string Csv(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
}
