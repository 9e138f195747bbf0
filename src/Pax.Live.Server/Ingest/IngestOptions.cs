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
    /// under load (when it is quiet a round goes out as soon as the queue is empty). With a <see cref="PeriodicHold"/>,
    /// also how often periodic readings are taken from the queue while places hold theirs.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How long a place's periodic readings may wait to be sent together: a place's readings go in one grain call once its
    /// oldest waiting one is this old (or its batch is full), each place on its own clock, so the calls are spread rather
    /// than all at once. Nobody sees a place's values faster than the live status interval (<c>Pax:Live:StatusInterval</c>,
    /// 250 ms), so waiting that long costs no one anything and turns a call per message into a call per place per hold.
    /// An event goes at once and takes its place's waiting readings along, in order; a device status goes at once in a
    /// call of its own. Zero: no hold, every round sends all it gathered.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan PeriodicHold { get; set; } = TimeSpan.FromMilliseconds(250);

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
