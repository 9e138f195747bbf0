namespace Pax.Live.Contracts;

/// <summary>One reading: a kind and its value.</summary>
public readonly record struct Signal(SignalKind Kind, double Value);
