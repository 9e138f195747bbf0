using Pax.Live.Abstractions;

namespace Pax.Live.Grains;

/// <summary>
/// Where the grains hand what the guards' phones should hear of: the host sends the Web Push messages. Handing over
/// never blocks and never throws, so no grain's turn waits on a push service.
/// </summary>
public interface IAlertPushSink
{
    /// <summary>An area's feed announced a new alert (its guards who asked for new alerts hear of it).</summary>
    void Raised(AlertView alert);

    /// <summary>The alert was dispatched to <c>alert.Guard</c>.</summary>
    void Dispatched(AlertView alert);
}

/// <summary>No pushes (grain tests, benchmarks).</summary>
public sealed class NullAlertPushSink : IAlertPushSink
{
    /// <summary>The one instance.</summary>
    public static NullAlertPushSink Instance { get; } = new();

    /// <inheritdoc />
    public void Raised(AlertView alert)
    {
    }

    /// <inheritdoc />
    public void Dispatched(AlertView alert)
    {
    }
}
