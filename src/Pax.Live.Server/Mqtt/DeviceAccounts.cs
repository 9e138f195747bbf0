namespace Pax.Live.Server.Mqtt;

/// <summary>
/// The devices' accounts at the broker they connect to. The device registry says who may publish; this makes the
/// broker agree, before the registry changes: provisioning creates or replaces a device's account with its secret
/// and topic rules, revoking removes it and drops its connection.
/// </summary>
public interface IDeviceAccounts
{
    /// <summary>Gives <paramref name="deviceId"/> an account with <paramref name="secret"/> that may publish for <paramref name="placeId"/> only.</summary>
    /// <exception cref="BrokerUnavailableException">The broker did not answer or refused.</exception>
    Task Provision(string deviceId, string placeId, string secret, DateTimeOffset issuedAt, CancellationToken cancellationToken);

    /// <summary>Removes <paramref name="deviceId"/>'s account, if it has one, and drops its connection.</summary>
    /// <exception cref="BrokerUnavailableException">The broker did not answer or refused.</exception>
    Task Remove(string deviceId, CancellationToken cancellationToken);
}

/// <summary>The embedded broker asks the device registry itself at each connection: nothing to tell it.</summary>
public sealed class EmbeddedBrokerAccounts : IDeviceAccounts
{
    /// <inheritdoc />
    public Task Provision(string deviceId, string placeId, string secret, DateTimeOffset issuedAt, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    /// <inheritdoc />
    public Task Remove(string deviceId, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>The broker that keeps the devices' accounts did not answer in time, or refused a change.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
