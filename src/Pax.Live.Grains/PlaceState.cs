using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>What a place keeps across restarts: a snapshot of its live state, its open alerts and its devices.</summary>
[GenerateSerializer, Alias("pax.PlaceState")]
public sealed class PlaceState
{
    /// <summary>The core's snapshot (<see cref="Aggregation.PlaceAggregator.ToSnapshot"/>); null before the first save.</summary>
    [Id(0)]
    public byte[]? Core { get; set; }

    /// <summary>Open alerts, one per cause.</summary>
    [Id(1)]
    public List<OpenAlert> OpenAlerts { get; set; } = [];

    /// <summary>Devices as last heard of.</summary>
    [Id(2)]
    public List<DeviceInfo> Devices { get; set; } = [];

    /// <summary>Minutes before this (Unix ms) have had their history rollups written.</summary>
    [Id(3)]
    public long HistoryRolledUpTo { get; set; }

    /// <summary>The most recent closed alerts, newest first.</summary>
    [Id(4)]
    public List<ClosedAlert> RecentAlerts { get; set; } = [];

    /// <summary>When a guard last checked in at the place.</summary>
    [Id(5)]
    public DateTimeOffset? LastGuardVisit { get; set; }

    /// <summary>When staff last checked in at the place.</summary>
    [Id(6)]
    public DateTimeOffset? LastStaffVisit { get; set; }

    /// <summary>Causes silenced for a while.</summary>
    [Id(7)]
    public List<Snooze> Snoozes { get; set; } = [];

    /// <summary>The focus, while it lasts.</summary>
    [Id(8)]
    public Focus? Focus { get; set; }

    /// <summary>
    /// Open alerts (by id) whose announcement to the feeds had not succeeded when this was stored: an activation that
    /// takes over the place (after a crash, or from a duplicate that Orleans retired) announces them again.
    /// </summary>
    [Id(9)]
    public List<string> Unannounced { get; set; } = [];
}

/// <summary>How often a place's live state is snapshotted at most (<c>Pax:Storage:SnapshotInterval</c>).</summary>
public sealed record PlaceSnapshotOptions(TimeSpan Interval)
{
    /// <summary>Every 10 seconds.</summary>
    public static PlaceSnapshotOptions Default { get; } = new(TimeSpan.FromSeconds(10));
}

/// <summary>
/// How long a place's tick may sleep when nothing is due. A place wakes when its next change is due, computed from its
/// state; the heartbeat only bounds how late a change can be if that computation missed one, or if the grains' clock
/// jumps (tests move a fake clock; the real one does not jump).
/// </summary>
public sealed record PlaceTickOptions(TimeSpan Heartbeat)
{
    /// <summary>Every 30 seconds.</summary>
    public static PlaceTickOptions Default { get; } = new(TimeSpan.FromSeconds(30));
}
