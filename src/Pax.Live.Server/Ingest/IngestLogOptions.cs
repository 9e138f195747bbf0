namespace Pax.Live.Server.Ingest;

/// <summary>Ingest's write-ahead log settings, section <c>Pax:Ingest:Log</c>.</summary>
public sealed class IngestLogOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Ingest:Log";

    /// <summary>
    /// Keep accepted alert-grade messages in a write-ahead log before they are acknowledged (on by default; off with
    /// <c>Pax:Storage:Provider=Memory</c>, where nothing survives a restart anyway).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The log's folder; empty: <c>{Pax:DataDirectory}/ingest-log</c>. One folder per node, never shared.</summary>
    public string? Directory { get; set; }

    /// <summary>A segment is closed, and can be deleted once everything in it is stored, after this long.</summary>
    public TimeSpan SegmentAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the dispatcher asks whether alerts that waited for the database are stored now.</summary>
    public TimeSpan ConfirmEvery { get; set; } = TimeSpan.FromSeconds(1);
}
