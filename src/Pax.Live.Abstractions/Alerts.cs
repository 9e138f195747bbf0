using Pax.Live.Contracts;

namespace Pax.Live.Abstractions;

/// <summary>Where an alert is in its life.</summary>
public enum AlertState : byte
{
    /// <summary>Raised; nobody has acted.</summary>
    Raised,
    /// <summary>An operator has seen it.</summary>
    Acknowledged,
    /// <summary>An operator sent a guard.</summary>
    Dispatched,
    /// <summary>The guard is at the place.</summary>
    OnSite,
    /// <summary>Closed with an outcome and a note.</summary>
    Resolved,
    /// <summary>The cause cleared before anyone acted: it stays until someone acknowledges it.</summary>
    ClearedAckRequired,
}

/// <summary>How an alert ended.</summary>
public enum AlertOutcome : byte
{
    /// <summary>Something happened.</summary>
    Confirmed,
    /// <summary>Nothing happened; the signal was wrong.</summary>
    FalseAlarm,
    /// <summary>Something happened, nothing needed doing.</summary>
    NoActionNeeded,
}

/// <summary>Who acts on alerts.</summary>
public enum Role : byte
{
    /// <summary>Control room: everything about alerts.</summary>
    Operator,
    /// <summary>Väktare: alerts of the areas they are assigned to.</summary>
    Guard,
    /// <summary>Municipal staff, field workers, night walkers: observations and check-ins, no alert queue.</summary>
    Staff,
    /// <summary>Places, areas, devices, users, thresholds — and everything an operator may do.</summary>
    Admin,
}

/// <summary>The person acting: a name, a role, and the areas they are assigned to.</summary>
[GenerateSerializer, Immutable, Alias("pax.Actor")]
public sealed record Actor(
    [property: Id(0)] string Name,
    [property: Id(1)] Role Role,
    [property: Id(2)] string[] Areas)
{
    /// <summary>The server itself (cause cleared, escalation).</summary>
    public static Actor System { get; } = new("system", Role.Admin, []);

    /// <summary>Whether the actor works in <paramref name="area"/> (operators and admins work everywhere).</summary>
    public bool CoversArea(string? area) => Role is Role.Operator or Role.Admin || (area is not null && Areas.Contains(area));
}

/// <summary>
/// One line of an alert's audit trail, chained to the one before by hash. <c>Why</c> is the server's English; the
/// structured fields beside it (a reason code, the outcome and note, the guard, the wait in seconds) let a client say
/// the same in its reader's language.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(0)] int Sequence,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor,
    [property: Id(3)] string Action,
    [property: Id(4)] AlertState From,
    [property: Id(5)] AlertState To,
    [property: Id(6)] string? Why,
    [property: Id(7)] string PreviousHash,
    [property: Id(8)] string Hash,
    [property: Id(9)] string? Reason = null,
    [property: Id(10)] AlertOutcome? Outcome = null,
    [property: Id(11)] string? Note = null,
    [property: Id(12)] string? Guard = null,
    [property: Id(13)] double? WaitSeconds = null);

/// <summary>
/// An alert as the control room and the guards see it. <c>Summary</c> is the server's English; <c>Value</c> (the
/// reading that raised it: fire confidence, report severity) lets a client word it in its own language.
/// <c>AcceptedAt</c>: when the dispatched guard accepted it.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.AlertView")]
public sealed record AlertView(
    [property: Id(0)] string AlertId,
    [property: Id(1)] string PlaceId,
    [property: Id(2)] SignalKind Kind,
    [property: Id(3)] int Severity,
    [property: Id(4)] AlertState State,
    [property: Id(5)] DateTimeOffset RaisedAt,
    [property: Id(6)] DateTimeOffset LastSeen,
    [property: Id(7)] int Count,
    [property: Id(8)] string Summary,
    [property: Id(9)] bool CauseCleared,
    [property: Id(10)] string? Guard,
    [property: Id(11)] AlertOutcome? Outcome,
    [property: Id(12)] string? Note,
    [property: Id(13)] string? Area,
    [property: Id(14)] DateTimeOffset? EscalatedAt = null,
    [property: Id(15)] DateTimeOffset? ReceivedAt = null,
    [property: Id(16)] DateTimeOffset? DispatchedAt = null,
    [property: Id(17)] double? Value = null,
    [property: Id(18)] DateTimeOffset? AcceptedAt = null,
    [property: Id(19)] string? DeviceId = null);

/// <summary>An action that is not allowed from the alert's current state (HTTP 409).</summary>
[GenerateSerializer, Alias("pax.AlertConflictException")]
public sealed class AlertConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AlertConflictException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AlertConflictException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AlertConflictException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>An action the actor's role or areas do not allow (HTTP 403).</summary>
[GenerateSerializer, Alias("pax.AlertForbiddenException")]
public sealed class AlertForbiddenException : Exception
{
    /// <summary>Creates the exception.</summary>
    public AlertForbiddenException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AlertForbiddenException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public AlertForbiddenException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
