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

    /// <summary>
    /// Nothing in Pax.Live protects data with ASP.NET Core Data Protection (tokens are JWTs signed with the auth key;
    /// there are no cookies), but authentication registers it, and its hosted service creates a key ring at start:
    /// "No XML encryptor configured" or "Using an ephemeral key repository" on a fresh machine, about keys nothing
    /// uses. Without that service a key ring is made only when something first protects data, and then its warnings
    /// mean something.
    /// </summary>
    public static void SkipEagerDataProtectionKeyRing(IServiceCollection services) =>
        services.RemoveWhere(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService");

    private static void RemoveWhere(this IServiceCollection services, Func<ServiceDescriptor, bool> match)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (match(services[i]))
            {
                services.RemoveAt(i);
            }
        }
    }

    /// <summary>The system clock, with timestamps counted from its first use.</summary>
    private sealed class ProcessRelativeClock : TimeProvider
    {
        public static readonly ProcessRelativeClock Instance = new();

        private readonly long _origin = Stopwatch.GetTimestamp();

        public override long GetTimestamp() => Stopwatch.GetTimestamp() - _origin;
    }
}
