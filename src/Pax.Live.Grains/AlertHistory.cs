using Pax.Live.Abstractions;
using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>
/// An alert as the history keeps it for reports: one row per alert, rewritten (upsert by <see cref="AlertId"/>) on every
/// change. Times are Unix ms; a step that has not happened is null. <see cref="Version"/> (the audit trail's length) keeps
/// an older row that arrives late from overwriting a newer one.
/// </summary>
public readonly record struct AlertRow(
    string AlertId,
    string PlaceId,
    string? Area,
    SignalKind Kind,
    int Severity,
    long RaisedAt,
    long? AcknowledgedAt,
    long? DispatchedAt,
    long? OnSiteAt,
    long? ResolvedAt,
    AlertOutcome? Outcome,
    bool Escalated,
    int Version,
    string? DeviceId)
{
    /// <summary>
    /// The row of an alert from its view and audit trail. <see cref="AcknowledgedAt"/> is the first time a person took it
    /// on (acknowledged, dispatched or resolved it): an operator who dispatches at once has seen it too. The other steps
    /// are their first occurrence, so a second dispatch does not hide how long the first took.
    /// </summary>
    public static AlertRow From(AlertView view, IReadOnlyList<AuditEntry> audit)
    {
        long? acknowledged = null, dispatched = null, onSite = null, resolved = null;
        foreach (var entry in audit)
        {
            var at = entry.At.ToUnixTimeMilliseconds();
            if (entry.Action is "acknowledged" or "dispatched" or "resolved" && !string.Equals(entry.Actor, Actor.System.Name, StringComparison.Ordinal))
            {
                acknowledged ??= at;
            }

            switch (entry.Action)
            {
                case "dispatched":
                    dispatched ??= at;
                    break;
                case "on site":
                    onSite ??= at;
                    break;
                case "resolved":
                    resolved ??= at;
                    break;
            }
        }

        return new AlertRow(
            view.AlertId, view.PlaceId, view.Area, view.Kind, view.Severity, view.RaisedAt.ToUnixTimeMilliseconds(),
            acknowledged, dispatched, onSite, resolved, view.State == AlertState.Resolved ? view.Outcome : null,
            view.EscalatedAt is not null, audit.Count, view.DeviceId);
    }
}
