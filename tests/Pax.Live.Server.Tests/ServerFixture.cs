namespace Pax.Live.Server.Tests;

/// <summary>One real server for a collection of tests, on a fresh SQLite file, stopped at the end.</summary>
#pragma warning disable CA1001 // xunit disposes fixtures through IAsyncLifetime.DisposeAsync.
public sealed class ServerFixture : IAsyncLifetime, IServerEndpoints
{
    private readonly ServerProcess _server = new(ServerProcess.NewTempDirectory("pax-e2e"));

    public int MqttPort => _server.MqttPort;

    public Uri BaseAddress => _server.BaseAddress;

    public HttpClient Http => _server.Http;

    public string Token => _server.Token;

    public bool IsRunning => _server.IsRunning;

    public string Output => _server.Output;

    public string DataDirectory => _server.DataDirectory;

#pragma warning restore CA1001
    public Task InitializeAsync() => _server.Start();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_server.DataDirectory, recursive: true);
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "server";
}
