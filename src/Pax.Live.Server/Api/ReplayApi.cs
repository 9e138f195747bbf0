using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Pax.Live.Abstractions;
using Pax.Live.Aggregation.Replay;
using Pax.Live.Aggregation.Reports;
using Pax.Live.Contracts;
using Pax.Live.Grains;
using Pax.Live.Server.Auth;
using Pax.Live.Server.History;

namespace Pax.Live.Server.Api;

/// <summary>Candidate rules for a replay: the place's thresholds as its definition has them, and the two sensitivities.</summary>
public sealed record ReplayRules(double? Motion, double? People, double? Loiter, double? Sound, int DwellSeconds, double? ClearRatio = null, double? AnomalyScore = null);

/// <summary>A replay request: the period (at most <see cref="ReplayApi.MaxPeriod"/>) and the rules; the place's own when none are given.</summary>
public sealed record ReplayRequest(DateTimeOffset? From, DateTimeOffset? To, ReplayRules? Rules);

/// <summary>A stretch of time a device at the place was on- or offline, as far as the place heard.</summary>
public sealed record DeviceInterval(string DeviceId, DateTimeOffset From, DateTimeOffset To, bool Online);

/// <summary>What actually happened at the place in the period: its level changes, the alerts raised, and its devices.</summary>
public sealed record ActualRun(IReadOnlyList<LevelChange> Levels, LevelHours Hours, IReadOnlyList<AlertFact> Alerts, IReadOnlyList<DeviceInterval> Devices);

/// <summary>A replay's answer: the rules it ran, what they would have given, and what happened.</summary>
public sealed record ReplayResponse(
    string PlaceId, DateTimeOffset From, DateTimeOffset To, ReplayRules Rules, int Slots, ReplayResult Replayed, LevelHours ReplayedHours, ActualRun Actual);

/// <summary>A suggestion's answer: the sweep, and the replay of the whole place under the suggested threshold.</summary>
public sealed record SuggestionResponse(string PlaceId, DateTimeOffset From, DateTimeOffset To, SweepResult Sweep, ReplayResult? Replayed);

/// <summary>
/// <c>POST /api/places/{id}/replay</c> (operator, admin): runs the live place model with candidate rules over the place's
/// stored 10-s slots and answers the level timeline and alerts it would have given, beside what actually happened.
/// <c>GET /api/places/{id}/suggestion?kind=fire&amp;from=&amp;to=</c>: the alert threshold that would have kept the
/// confirmed alerts and dropped the false alarms (<see cref="ThresholdSweep"/>), with its replay.
/// </summary>
public static class ReplayApi
{
    /// <summary>The longest period one replay covers: the slots are kept for 30 days by default.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(31);

    /// <summary>Maps the endpoint.</summary>
    public static IEndpointRouteBuilder MapReplayApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/places/{id}/replay", Replay).RequireAuthorization(PaxClaims.ControlRoom).WithTags("Places");
        app.MapGet("/api/places/{id}/suggestion", Suggestion).RequireAuthorization(PaxClaims.ControlRoom).WithTags("Places");
        return app;
    }

    private static async Task<IResult> Replay(
        string id, ReplayRequest? request, IGrainFactory grains, LevelDefaults defaults, [FromServices] HistoryStore? store, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return HistoryOff();
        }

        if (await PlaceOf(grains, id) is not { } place)
        {
            return NoSuchPlace(id);
        }

        var to = request?.To ?? clock.GetUtcNow();
        var from = request?.From ?? to - TimeSpan.FromDays(1);
        var t = place.Thresholds;
        var rules = request?.Rules ?? new ReplayRules(t.Motion, t.People, t.Loiter, t.Sound, t.DwellSeconds);
        var errors = new Dictionary<string, string[]>();
        ValidatePeriod(from, to, errors);
        ValidateRules(rules, errors);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The replay request is not valid.");
        }

        var candidate = defaults.With(new PlaceThresholds(rules.Motion, rules.People, rules.Loiter, rules.Sound, rules.DwellSeconds)) with
        {
            ClearRatio = rules.ClearRatio ?? defaults.Rules.ClearRatio,
            AnomalyScore = rules.AnomalyScore ?? defaults.Rules.AnomalyScore,
        };
        long fromMs = from.ToUnixTimeMilliseconds(), toMs = to.ToUnixTimeMilliseconds();
        var slots = await store.Slots(id, fromMs, toMs, cancellationToken);
        var replayed = PlaceReplay.Run(id, candidate, slots, fromMs, toMs);

        var ids = new HashSet<string>(StringComparer.Ordinal) { id };
        var levels = (await store.LevelChanges(ids, fromMs, toMs, cancellationToken)).GetValueOrDefault(id) ?? [];
        var alerts = await store.Alerts(fromMs, toMs, id, cancellationToken);
        var devices = Intervals(await store.DeviceChanges(id, fromMs, toMs, cancellationToken), from, to);
        var actual = new ActualRun(levels, LagesbildMath.Integrate(levels, from, to), alerts, devices);
        return TypedResults.Ok(new ReplayResponse(
            id, from, to, rules with { ClearRatio = candidate.ClearRatio, AnomalyScore = candidate.AnomalyScore }, slots.Count, replayed,
            replayed.Hours(from, to), actual));
    }

    private static async Task<IResult> Suggestion(
        string id, string? kind, string? from, string? to, IGrainFactory grains, LevelDefaults defaults, [FromServices] HistoryStore? store,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (store is null)
        {
            return HistoryOff();
        }

        if (await PlaceOf(grains, id) is not { } place)
        {
            return NoSuchPlace(id);
        }

        var errors = new Dictionary<string, string[]>();
        var end = QueryTime.Parse(to, clock.GetUtcNow(), "to", errors);
        var start = QueryTime.Parse(from, QueryTime.Before(end, TimeSpan.FromDays(30)), "from", errors);
        SignalKind swept = default;
        if (kind is null || !SignalKinds.TryParse(kind, out swept))
        {
            errors["kind"] = ["'kind' is the signal kind whose alert threshold to sweep, e.g. fire."];
        }
        else if (!ThresholdSweep.CanSweep(swept))
        {
            errors["kind"] = [$"No threshold decides when {kind} raises an alert: only fire's alerts follow one (the periodic kinds elevate the level and raise none)."];
        }

        if (errors.Count == 0)
        {
            ValidatePeriod(start, end, errors);
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The suggestion request is not valid.");
        }

        long fromMs = start.ToUnixTimeMilliseconds(), toMs = end.ToUnixTimeMilliseconds();
        var rules = defaults.RulesFor(place);
        var slots = await store.Slots(id, fromMs, toMs, cancellationToken);
        var judged = (await store.Alerts(fromMs, toMs, id, cancellationToken))
            .Where(a => a.Cause == swept.Name() && a.ResolvedAt is not null && a.Outcome is "confirmed" or "false-alarm")
            .Select(a => new JudgedAlert(a.RaisedAt, a.Outcome == "confirmed"))
            .ToArray();
        var sweep = ThresholdSweep.Fire(id, rules, slots, judged, fromMs, toMs);
        var replayed = sweep.Suggested is { } suggested
            ? PlaceReplay.Run(id, ThresholdSweep.WithFireAlertAt(rules, suggested.Threshold), slots, fromMs, toMs)
            : null;
        return TypedResults.Ok(new SuggestionResponse(id, start, end, sweep, replayed));
    }

    /// <summary>Each device's changes (oldest first, the last before the period included) as intervals within [from, to).</summary>
    private static List<DeviceInterval> Intervals(IReadOnlyList<DeviceChangeRow> changes, DateTimeOffset from, DateTimeOffset to)
    {
        var intervals = new List<DeviceInterval>();
        foreach (var device in changes.GroupBy(c => c.DeviceId, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var list = device.ToArray();
            for (var i = 0; i < list.Length; i++)
            {
                var start = DateTimeOffset.FromUnixTimeMilliseconds(list[i].AtMs);
                var end = i + 1 < list.Length ? DateTimeOffset.FromUnixTimeMilliseconds(list[i + 1].AtMs) : to;
                start = start < from ? from : start;
                if (end <= start)
                {
                    continue;
                }

                // A device's word repeating what it was (online again after online) extends the interval.
                if (intervals.Count > 0 && intervals[^1].DeviceId == device.Key && intervals[^1].Online == list[i].Online)
                {
                    intervals[^1] = intervals[^1] with { To = end };
                }
                else
                {
                    intervals.Add(new DeviceInterval(device.Key, start, end, list[i].Online));
                }
            }
        }

        return intervals;
    }

    private static async Task<PlaceDefinition?> PlaceOf(IGrainFactory grains, string id) =>
        Ids.IsValid(id) ? await grains.GetGrain<ICatalogGrain>(0).Find(id) : null;

    private static ProblemHttpResult HistoryOff() => TypedResults.Problem(
        title: "Replays are off.", detail: "A replay reads the history, which needs a database.", statusCode: StatusCodes.Status501NotImplemented);

    private static ProblemHttpResult NoSuchPlace(string id) =>
        TypedResults.Problem(title: "No such place.", detail: $"There is no place '{id}'.", statusCode: StatusCodes.Status404NotFound);

    private static void ValidatePeriod(DateTimeOffset from, DateTimeOffset to, Dictionary<string, string[]> errors)
    {
        if (from < QueryTime.Earliest || to > QueryTime.Latest)
        {
            errors["from"] = [$"The period must lie between {QueryTime.Earliest:yyyy-MM-dd} and {QueryTime.Latest:yyyy-MM-dd}."];
        }
        else if (from >= to)
        {
            errors["from"] = ["'from' must be before 'to'."];
        }
        else if (to - from > MaxPeriod)
        {
            errors["to"] = [$"A replay covers at most {MaxPeriod.TotalDays:0} days."];
        }
    }

    private static void ValidateRules(ReplayRules rules, Dictionary<string, string[]> errors)
    {
        foreach (var (name, value) in new[] { ("motion", rules.Motion), ("people", rules.People), ("loiter", rules.Loiter), ("sound", rules.Sound) })
        {
            if (value is { } v && (!double.IsFinite(v) || v < 0))
            {
                errors["rules." + name] = ["A threshold is a number of at least 0, or null for none."];
            }
        }

        if (rules.DwellSeconds is < 0 or > 3600)
        {
            errors["rules.dwellSeconds"] = ["The dwell is 0 to 3600 seconds."];
        }

        if (rules.ClearRatio is { } ratio && !(ratio is > 0 and <= 1))
        {
            errors["rules.clearRatio"] = ["The clear ratio is above 0 and at most 1."];
        }

        if (rules.AnomalyScore is { } score && !(score > 0))
        {
            errors["rules.anomalyScore"] = ["The anomaly score is above 0 (infinity: no anomalies)."];
        }
    }
}
