namespace Pax.Live.Server.History;

/// <summary>History settings, section <c>Pax:History</c>.</summary>
public sealed class HistoryOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:History";

    /// <summary>How long rows are kept.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// How long the rollups keep their 10-s slots, which replays read (about 0.6 MB a place a day with four kinds
    /// reporting all day); the rollups themselves are kept for <see cref="Retention"/>.
    /// </summary>
    public TimeSpan ReplayRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How often old rows are purged.</summary>
    public TimeSpan PurgeEvery { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long rows gather before a batch is written.</summary>
    public TimeSpan FlushEvery { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Rows held while the database is away; past that the newest are dropped and counted.</summary>
    public int Capacity { get; set; } = 1_000_000;
}
