namespace Pax.Live.Server.Observability;

/// <summary>The Orleans Dashboard, section <c>Pax:Dashboard</c>.</summary>
public sealed class DashboardOptions
{
    /// <summary>The section name.</summary>
    public const string Section = "Pax:Dashboard";

    /// <summary>Whether <c>/dashboard</c> is mapped (admins only). Off by default: it times every grain call for its charts.</summary>
    public bool Enabled { get; set; }
}
