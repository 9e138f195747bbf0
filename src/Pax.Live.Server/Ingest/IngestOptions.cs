using System.ComponentModel.DataAnnotations;

namespace Pax.Live.Server.Ingest;

/// <summary>Ingest settings, section <c>Pax:Ingest</c>.</summary>
public sealed class IngestOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Ingest";

    /// <summary>Messages that may wait for their grain call; past that, periodic-only messages are dropped and counted.</summary>
    [Range(1, int.MaxValue)]
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Messages with events or device status that may wait; past that their publishers wait (they are never dropped).</summary>
    [Range(1, int.MaxValue)]
    public int PriorityCapacity { get; set; } = 10_000;

    /// <summary>The most messages gathered into one round of grain calls.</summary>
    [Range(1, int.MaxValue)]
    public int MaxBatchMessages { get; set; } = 8_192;

    /// <summary>
    /// The longest a round gathers before its grain calls go out, even with more waiting: bounds the wait a signal adds
    /// under load (when it is quiet a round goes out as soon as the queue is empty).
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Rounds whose grain calls may be in flight at once: one slow place does not hold every other place back, and
    /// the bound keeps memory and grain queues bounded (the queue in front fills and sheds periodic load instead). Rounds
    /// carrying events or device status may take it to twice this.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxRoundsInFlight { get; set; } = 4;

    /// <summary>How long a batch holding an event (or a device status) is retried when its place cannot be reached (its node died).</summary>
    public TimeSpan EventRetryFor { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Accept signals for places that are not in the catalogue and add them to it (off: they are rejected).</summary>
    public bool AcceptNewPlaces { get; set; }
}
