using System.ComponentModel.DataAnnotations;

namespace Pax.Live.Server.Hosting;

/// <summary>Silo settings, section <c>Pax:Orleans</c>.</summary>
public sealed class OrleansHostOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Orleans";

    /// <summary>Failure detection timings (ProbeTimeout, NumMissedProbesLimit, …), bound to Orleans' <c>ClusterMembershipOptions</c>.</summary>
    public const string MembershipSection = Section + ":Membership";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The cluster's id.</summary>
    public string ClusterId { get; set; } = "pax-live";

    /// <summary>The service's id; keep it stable or stored state is not found.</summary>
    public string ServiceId { get; set; } = "pax-live";

    /// <summary>How silos find each other: one node on localhost, or many through PostgreSQL.</summary>
    public ClusteringProvider Clustering { get; set; } = ClusteringProvider.Localhost;

    /// <summary>The address other silos reach this one at (with PostgreSQL clustering).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The address the silo and gateway ports listen on (with PostgreSQL clustering). Empty: every address of the host.</summary>
    public string? ListenAddress { get; set; }
}

/// <summary>How silos find each other.</summary>
public enum ClusteringProvider
{
    /// <summary>A single node.</summary>
    Localhost,
    /// <summary>ADO.NET clustering and reminders on PostgreSQL: any number of nodes.</summary>
    PostgreSql,
}
