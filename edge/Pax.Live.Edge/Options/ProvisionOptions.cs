namespace Pax.Live.Edge.Options;

/// <summary>
/// The agent provisions its own devices through the server's API (<c>PUT /api/devices/{id}</c>, as an admin) and
/// connects with the secrets it was issued: for demos and labs, section <c>Edge:Provision</c>, or <c>--server</c>,
/// <c>--user</c> and <c>--password</c> on the command line. A production box holds only its devices' secrets.
/// </summary>
public sealed class ProvisionOptions
{
    /// <summary>The environment variable the admin's password may come from.</summary>
    public const string PasswordVariable = "PAX_PASSWORD";

    /// <summary>The server's HTTP address (e.g. <c>http://localhost:8080</c>); empty: the agent provisions nothing.</summary>
    public string? Server { get; set; }

    /// <summary>The admin who provisions.</summary>
    public string User { get; set; } = "admin";

    /// <summary>The admin's password (never logged); empty: <see cref="PasswordVariable"/>, else asked on the console.</summary>
    public string? Password { get; set; }

    /// <summary>Seconds between attempts while the server cannot be reached.</summary>
    public double RetrySeconds { get; set; } = 2;

    /// <summary>Whether the agent provisions its devices.</summary>
    public bool IsSet => !string.IsNullOrWhiteSpace(Server);
}
