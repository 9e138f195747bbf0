using Pax.Live.Contracts;

namespace Pax.Live.Abstractions;

/// <summary>One accepted reading on its way to its place.</summary>
[GenerateSerializer, Immutable, Alias("pax.SignalSample")]
public readonly record struct SignalSample(
    [property: Id(0)] string DeviceId,
    [property: Id(1)] SignalKind Kind,
    [property: Id(2)] double Value,
    [property: Id(3)] long Timestamp);

/// <summary>The readings for one place gathered by ingest over one flush interval: the unit of one grain call.</summary>
[GenerateSerializer, Immutable, Alias("pax.SignalBatch")]
public sealed record SignalBatch([property: Id(0)] SignalSample[] Samples);
