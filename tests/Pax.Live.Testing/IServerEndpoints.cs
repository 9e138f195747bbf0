namespace Pax.Live.Testing;

/// <summary>Where a running server is reached.</summary>
public interface IServerEndpoints
{
    int MqttPort { get; }

    Uri BaseAddress { get; }

    HttpClient Http { get; }

    /// <summary>The admin's token.</summary>
    string Token { get; }
}
