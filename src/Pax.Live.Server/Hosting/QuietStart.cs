using System.Diagnostics;

namespace Pax.Live.Server.Hosting;

/// <summary>
/// Keeps warnings out of a clean start that nobody can act on, each removed at its cause rather than by hiding a
/// log category (the same components' real warnings still show).
/// </summary>
internal static class QuietStart
{
    /// <summary>
    /// Orleans' silo watchdog starts its platform thread before it stamps the component thread's first check, so a
    /// first look that wins the race measures from timestamp zero: with the system clock that is the machine's uptime
    /// ("Participant check thread has not completed for 00:11:29" a second after start). Membership's clock here counts
    /// from its own first use instead; every other use of it measures between two of its own timestamps, which the
    /// offset does not change.
    /// </summary>
    public static void UseProcessRelativeMembershipClock(IServiceCollection services) =>
        services.AddKeyedSingleton<TimeProvider>(TimeProviderNames.Membership, ProcessRelativeClock.Instance);

    /// <summary>The system clock, with timestamps counted from its first use.</summary>
    private sealed class ProcessRelativeClock : TimeProvider
    {
        public static readonly ProcessRelativeClock Instance = new();

        private readonly long _origin = Stopwatch.GetTimestamp();

        public override long GetTimestamp() => Stopwatch.GetTimestamp() - _origin;
    }
}
