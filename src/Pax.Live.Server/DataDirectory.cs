namespace Pax.Live.Server;

/// <summary>Where the server keeps its files: the SQLite database, the signing key, ingest's write-ahead log.</summary>
public static class DataDirectory
{
    /// <summary>The key: a single value, not a section (default <c>data</c>).</summary>
    public const string Key = "Pax:DataDirectory";

    /// <summary>The directory configured.</summary>
    public static string Of(IConfiguration configuration) => configuration.GetValue(Key, "data")!;
}
