using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>
/// The life of one alert: who may do what from which state, and the hash-chained audit trail of every change.
/// Plain logic — the alert's grain is its only writer and stores it. Illegal moves throw
/// <see cref="AlertConflictException"/> (HTTP 409); moves the actor may not make throw <see cref="AlertForbiddenException"/> (403).
/// </summary>
public sealed class AlertLifecycle
{
    private const int MaxNoteLength = 2000;

    private readonly List<AuditEntry> _audit;

    private AlertLifecycle(AlertView view, List<AuditEntry> audit)
    {
        View = view;
        _audit = audit;
    }

    /// <summary>The alert now.</summary>
    public AlertView View { get; private set; }

    /// <summary>Every change, oldest first.</summary>
    public IReadOnlyList<AuditEntry> Audit => _audit;

    /// <summary>A new alert, raised by the system.</summary>
    public static AlertLifecycle Raise(AlertView alert, DateTimeOffset at)
    {
        var lifecycle = new AlertLifecycle(alert with { State = AlertState.Raised }, []);
        lifecycle.Append(Actor.System, "raised", AlertState.Raised, AlertState.Raised, alert.Summary, at);
        return lifecycle;
    }

    /// <summary>An alert as stored.</summary>
    public static AlertLifecycle Restore(AlertView alert, IEnumerable<AuditEntry> audit) => new(alert, [.. audit]);

    /// <summary>Whether the alert still needs people: anything but resolved.</summary>
    public bool IsOpen => View.State != AlertState.Resolved;

    /// <summary>The cause happened again while the alert is open: count and last seen move, nothing else.</summary>
    public void Repeat(int count, DateTimeOffset lastSeen, int severity)
    {
        if (IsOpen)
        {
            View = View with { Count = View.Count + count, LastSeen = Max(View.LastSeen, lastSeen), Severity = Math.Max(View.Severity, severity), CauseCleared = false };
        }
    }

    /// <summary>The cause is gone. Untouched alerts wait for an acknowledgment instead of vanishing.</summary>
    public void CauseCleared(DateTimeOffset at)
    {
        if (!IsOpen || View.CauseCleared)
        {
            return;
        }

        View = View with { CauseCleared = true };
        if (View.State == AlertState.Raised)
        {
            Move(Actor.System, "cause cleared", AlertState.ClearedAckRequired, "cleared before anyone acted", at, new(Reason: "cleared-before-action"));
        }
    }

    /// <summary>An operator has seen it.</summary>
    public void Acknowledge(Actor actor, DateTimeOffset at)
    {
        RequireControlRoom(actor, "acknowledge");
        RequireState("acknowledge", AlertState.Raised, AlertState.ClearedAckRequired);
        Move(actor, "acknowledged", AlertState.Acknowledged, null, at);
    }

    /// <summary>An operator sends a guard.</summary>
    public void Dispatch(Actor actor, string guard, DateTimeOffset at)
    {
        RequireControlRoom(actor, "dispatch");
        if (string.IsNullOrWhiteSpace(guard))
        {
            throw new AlertConflictException("Dispatch needs a guard.");
        }

        RequireState("dispatch", AlertState.Raised, AlertState.Acknowledged, AlertState.ClearedAckRequired);
        View = View with { Guard = guard, DispatchedAt = at, ReceivedAt = null, AcceptedAt = null };
        Move(actor, "dispatched", AlertState.Dispatched, $"to {guard}", at, new(Guard: guard));
    }

    /// <summary>The dispatched guard's phone has the alert. Only the first receipt is recorded.</summary>
    public void Received(Actor actor, DateTimeOffset at)
    {
        RequireAssignedGuard(actor, "confirm receipt of");
        if (View.ReceivedAt is null && View.State == AlertState.Dispatched)
        {
            View = View with { ReceivedAt = at };
            Append(actor, "received", View.State, View.State, null, at);
        }
    }

    /// <summary>
    /// Whether the alert has waited longer than <paramref name="wait"/> for people: nobody has acknowledged it since it
    /// was raised, or the guard it was dispatched to has not received it.
    /// </summary>
    public bool IsOverdue(DateTimeOffset now, TimeSpan wait) => View.State switch
    {
        AlertState.Raised or AlertState.ClearedAckRequired => now - View.RaisedAt >= wait,
        AlertState.Dispatched => View.ReceivedAt is null && View.DispatchedAt is { } sent && now - sent >= wait,
        _ => false,
    };

    /// <summary>Marks the alert escalated to the supervisors (once per wait: a new dispatch may escalate again).</summary>
    public bool Escalate(DateTimeOffset now, TimeSpan wait)
    {
        if (!IsOverdue(now, wait) || (View.EscalatedAt is { } at && at > (View.DispatchedAt ?? View.RaisedAt)))
        {
            return false;
        }

        var notReceived = View.State == AlertState.Dispatched;
        var why = notReceived ? $"not received by {View.Guard} within {wait}" : $"not acknowledged within {wait}";
        var detail = new AuditDetail(Reason: notReceived ? "not-received" : "not-acknowledged", Guard: notReceived ? View.Guard : null, WaitSeconds: wait.TotalSeconds);
        View = View with { EscalatedAt = now };
        Append(Actor.System, "escalated", View.State, View.State, why, now, detail);
        return true;
    }

    /// <summary>The dispatched guard takes it on.</summary>
    public void Accept(Actor actor, DateTimeOffset at)
    {
        RequireAssignedGuard(actor, "accept");
        RequireState("accept", AlertState.Dispatched);
        View = View with { AcceptedAt = View.AcceptedAt ?? at };
        Append(actor, "accepted", AlertState.Dispatched, AlertState.Dispatched, null, at);
    }

    /// <summary>The guard is at the place.</summary>
    public void OnSite(Actor actor, DateTimeOffset at)
    {
        RequireAssignedGuard(actor, "report on site");
        RequireState("report on site", AlertState.Dispatched);
        Move(actor, "on site", AlertState.OnSite, null, at);
    }

    /// <summary>Closes the alert with an outcome and a note: operators at any point, the guard once on site.</summary>
    public void Resolve(Actor actor, AlertOutcome outcome, string note, DateTimeOffset at)
    {
        if (actor.Role == Role.Guard)
        {
            RequireAssignedGuard(actor, "resolve");
            RequireState("resolve", AlertState.OnSite);
        }
        else
        {
            RequireControlRoom(actor, "resolve");
            if (!IsOpen)
            {
                throw new AlertConflictException("The alert is already resolved.");
            }
        }

        if (string.IsNullOrWhiteSpace(note) || note.Length > MaxNoteLength)
        {
            throw new AlertConflictException($"Resolving needs a note of 1 to {MaxNoteLength} characters.");
        }

        View = View with { Outcome = outcome, Note = note.Trim() };
        Move(actor, "resolved", AlertState.Resolved, $"{outcome}: {note.Trim()}", at, new(Outcome: outcome, Note: note.Trim()));
    }

    /// <summary>
    /// Checks the chain: every entry's hash covers its content and the hash before it. Returns the index of the first
    /// entry that was edited, inserted or deleted, or -1 when the trail is intact.
    /// </summary>
    public static int FindTampering(IReadOnlyList<AuditEntry> audit)
    {
        var previous = "";
        for (var i = 0; i < audit.Count; i++)
        {
            var entry = audit[i];
            if (entry.Sequence != i + 1 || entry.PreviousHash != previous || entry.Hash != HashOf(entry))
            {
                return i;
            }

            previous = entry.Hash;
        }

        return -1;
    }

    private void Move(Actor actor, string action, AlertState to, string? why, DateTimeOffset at, AuditDetail? detail = null)
    {
        var from = View.State;
        View = View with { State = to };
        Append(actor, action, from, to, why, at, detail);
    }

    private void Append(Actor actor, string action, AlertState from, AlertState to, string? why, DateTimeOffset at, AuditDetail? detail = null)
    {
        var previous = _audit.Count == 0 ? "" : _audit[^1].Hash;
        var entry = new AuditEntry(
            _audit.Count + 1, at, actor.Name, action, from, to, why, previous, "",
            detail?.Reason, detail?.Outcome, detail?.Note, detail?.Guard, detail?.WaitSeconds);
        _audit.Add(entry with { Hash = HashOf(entry) });
    }

    private static string HashOf(AuditEntry e)
    {
        var text = string.Create(
            CultureInfo.InvariantCulture,
            $"{e.PreviousHash}|{e.Sequence}|{e.At.ToUnixTimeMilliseconds()}|{e.Actor}|{e.Action}|{e.From}|{e.To}|{e.Why}");

        // The structured fields are covered too when an entry has them; entries written before they existed hash as they did.
        if (e.Reason is not null || e.Outcome is not null || e.Note is not null || e.Guard is not null || e.WaitSeconds is not null)
        {
            text += string.Create(CultureInfo.InvariantCulture, $"|{e.Reason}|{e.Outcome}|{e.Note}|{e.Guard}|{e.WaitSeconds}");
        }

        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>What an audit line says in codes and numbers beside its English <c>why</c>.</summary>
    private sealed record AuditDetail(string? Reason = null, AlertOutcome? Outcome = null, string? Note = null, string? Guard = null, double? WaitSeconds = null);

    private void RequireState(string action, params AlertState[] allowed)
    {
        if (!allowed.Contains(View.State))
        {
            throw new AlertConflictException($"Cannot {action} an alert that is {View.State}.");
        }
    }

    private static void RequireControlRoom(Actor actor, string action)
    {
        if (actor.Role is not (Role.Operator or Role.Admin))
        {
            throw new AlertForbiddenException($"A {actor.Role} may not {action} alerts.");
        }
    }

    private void RequireAssignedGuard(Actor actor, string action)
    {
        if (actor.Role != Role.Guard || !actor.CoversArea(View.Area))
        {
            throw new AlertForbiddenException($"Only a guard of the alert's area may {action} it.");
        }

        if (View.Guard is { } guard && !string.Equals(guard, actor.Name, StringComparison.Ordinal))
        {
            throw new AlertForbiddenException($"The alert is dispatched to {guard}.");
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
