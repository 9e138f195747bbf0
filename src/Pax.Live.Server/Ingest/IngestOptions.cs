namespace Pax.Live.Server.Ingest;

/// <summary>Ingest settings, section <c>Pax:Ingest</c>.</summary>
public sealed class IngestOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Ingest";

    /// <summary>Messages that may wait for their grain call; past that, periodic-only messages are dropped and counted.</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>The most messages gathered into one round of grain calls.</summary>
    public int MaxBatchMessages { get; set; } = 8_192;

    /// <summary>Accept signals for places that are not in the catalogue and add them to it (off: they are rejected).</summary>
    public bool AcceptNewPlaces { get; set; }
}
