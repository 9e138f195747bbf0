namespace Pax.Live.Abstractions;

/// <summary>Why a place opens an alert, which decides whether the alert grain announces it and in which order it stores it.</summary>
public enum AlertOpening : byte
{
    /// <summary>A reading raised it and nothing else keeps that reading: stored first, then announced.</summary>
    Raised,

    /// <summary>
    /// A reading raised it that ingest keeps in its write-ahead log until the alert is stored: announced first, then
    /// stored (the place does not wait for the store).
    /// </summary>
    RaisedFromLog,

    /// <summary>The place's snapshot holds it and it was announced before: stored if it never was, not announced again.</summary>
    Restored,

    /// <summary>
    /// The place's snapshot holds it but the activation that raised it died before the feeds took it: announced as it
    /// is now, unless it is over.
    /// </summary>
    TakenOver,
}
