namespace Pax.Live.Grains;

/// <summary>Options of the live push.</summary>
public sealed record LiveOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Live";

    /// <summary>How often coalesced status changes are flushed: 250 ms is at most 4 updates per place per second.</summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
