using Pax.Live.Contracts;

namespace Pax.Live.Aggregation;

/// <summary>What recording a reading did to the place's alert cause of that kind.</summary>
public enum CauseOutcome : byte
{
    /// <summary>The reading is not alert-grade.</summary>
    None,
    /// <summary>A cause that was not open is now open: raise an alert.</summary>
    Raised,
    /// <summary>The cause was already open: update the open alert (count, last seen), raise nothing new.</summary>
    Repeated,
}

/// <summary>The state of one alert cause of a place: open from its first occurrence until it has been quiet for the hold time.</summary>
public struct AlertCause
{
    /// <summary>The kind that causes it: <c>impulse</c>, <c>fire</c> or <c>report</c>.</summary>
    public SignalKind Kind { get; internal set; }

    /// <summary>Whether the cause is open.</summary>
    public bool IsOpen { get; internal set; }

    /// <summary>Occurrences since it opened.</summary>
    public int Count { get; internal set; }

    /// <summary>Severity, 1 (low) to 3 (high); the highest seen while open.</summary>
    public int Severity { get; internal set; }

    /// <summary>When it opened, Unix ms (the device time of its first reading).</summary>
    public long OpenedAt { get; internal set; }

    /// <summary>When it was last seen, Unix ms.</summary>
    public long LastSeen { get; internal set; }

    /// <summary>The value of the reading that opened it.</summary>
    public double Value { get; internal set; }

    /// <summary>A place's open causes are numbered so that the grain can give each alert a stable id.</summary>
    public long Sequence { get; internal set; }
}
