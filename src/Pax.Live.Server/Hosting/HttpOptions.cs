namespace Pax.Live.Server.Hosting;

/// <summary>HTTP settings, section <c>Pax:Http</c>.</summary>
public sealed class HttpOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Http";

    /// <summary>Sign-in attempts one address may make per minute; more are answered 429.</summary>
    public int LoginAttemptsPerMinute { get; set; } = 10;

    /// <summary>The largest request body, in bytes.</summary>
    public long MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The largest message a SignalR client may send. <c>Watch</c> with its 10,000 ids of up to 64 characters needs
    /// about 700 KB; the default of SignalR (32 KB) would refuse a control room that watches a big town.
    /// </summary>
    public long MaxHubMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>Origins other than the server's own that browsers may call the API from. None by default: CORS is closed.</summary>
    public string[] CorsOrigins { get; set; } = [];
}
