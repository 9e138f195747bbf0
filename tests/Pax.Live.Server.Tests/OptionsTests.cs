namespace Pax.Live.Server.Tests;

/// <summary>Options are checked when the server starts: a bad value stops it and says which option and why.</summary>
public sealed class OptionsTests
{
    [Theory]
    [InlineData("--Pax:Mqtt:Port=70000", "MqttOptions", "Port")]
    [InlineData("--Pax:Ingest:MaxRoundsInFlight=0", "IngestOptions", "MaxRoundsInFlight")]
    [InlineData("--Pax:Ingest:PeriodicHold=-00:00:01", "IngestOptions", "PeriodicHold")]
    [InlineData("--Pax:Mqtt:MessagesPerSecond=-1", "MqttOptions", "MessagesPerSecond")]
    public async Task ABadValueStopsTheStartAndNamesTheOption(string setting, string options, string member)
    {
        var data = ServerProcess.NewTempDirectory("pax-options");
        await using var server = new ServerProcess(data, setting);
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(server.Start);
        Assert.Contains(options, failure.Message);
        Assert.Contains($"'{member}'", failure.Message);
        Directory.Delete(data, recursive: true);
    }
}
