namespace Pax.Live.Server.Live;

/// <summary>
/// How often /hubs/live pings a quiet connection, and how long it waits for a client's ping. The apps (common.js)
/// ping as often and give up on a server they have not heard for 5 s: that is what makes a silently dropped line
/// show as disconnected within five seconds. SignalR wants each timeout at least twice its peer's interval.
/// </summary>
internal static class LiveKeepAlive
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(10);
}
