using Pax.Live.Contracts;

namespace Pax.Live.Grains;

/// <summary>Short summaries of alerts: place-level facts only, never anything about a person.</summary>
internal static class AlertSummaries
{
    public static string For(SignalKind kind, double value, string placeName) => kind switch
    {
        SignalKind.Impulse => $"Impulsive bang (shot- or explosion-like) at {placeName}",
        SignalKind.Fire => $"Possible fire at {placeName} (confidence {value:0.00})",
        SignalKind.Report => $"Severity-{value:0} report at {placeName}",
        _ => $"{kind.Name()} at {placeName}",
    };
}
