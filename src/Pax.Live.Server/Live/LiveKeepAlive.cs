namespace Pax.Live.Server.Live;

/// <summary>
/// How often /hubs/live pings a quiet connection. The apps (common.js) give up on a server they have not heard for
/// 5 s, at least twice this as SignalR wants: that is what makes a silently dropped line show as disconnected within
/// five seconds.
/// </summary>
internal static class LiveKeepAlive
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);
}
