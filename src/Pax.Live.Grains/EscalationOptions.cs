namespace Pax.Live.Grains;

/// <summary>
/// How long an alert may wait for people before it is escalated to the supervisors (<c>Pax:Escalation</c>): not
/// acknowledged since it was raised, or dispatched but not received by the guard's phone.
/// </summary>
public sealed class EscalationOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Escalation";

    /// <summary>Severity 3 (high).</summary>
    public TimeSpan High { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Severity 2.</summary>
    public TimeSpan Medium { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Severity 1 (low).</summary>
    public TimeSpan Low { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The wait for a severity.</summary>
    public TimeSpan WaitFor(int severity) => severity >= 3 ? High : severity == 2 ? Medium : Low;
}
