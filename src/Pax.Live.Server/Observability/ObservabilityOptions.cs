using System.ComponentModel.DataAnnotations;

namespace Pax.Live.Server.Observability;

/// <summary>Metrics, traces and readiness, section <c>Pax:Metrics</c>.</summary>
public sealed class ObservabilityOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Metrics";

    /// <summary>
    /// A port of its own for <c>/metrics</c> (0: the main HTTP port). The scrape then answers there only and without
    /// a token: a port meant for the cluster's network (the pod IP), never published through the Service or ingress.
    /// </summary>
    [Range(0, 65535)]
    public int Port { get; set; }

    /// <summary>On the main port, <c>/metrics</c> needs an admin's token unless this is false.</summary>
    public bool RequireAdmin { get; set; } = true;
}
