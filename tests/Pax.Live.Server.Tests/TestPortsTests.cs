using System.Diagnostics;

namespace Pax.Live.Server.Tests;

/// <summary>The ports the tests give their servers: once a CI run failed because a server got the same port twice.</summary>
public class TestPortsTests
{
    [Fact]
    public void NoPortIsHandedOutTwice()
    {
        var ports = Enumerable.Range(0, 200).Select(_ => TestPorts.Claim()).ToList();

        Assert.Equal(ports.Count, ports.Distinct().Count());
        Assert.All(ports, port => Assert.InRange(port, 1024, 32767));
    }

    [Fact]
    public async Task AnotherProcessCannotClaimAPortThisOneHolds()
    {
        var port = TestPorts.Claim();
        var lockFile = Path.Combine(Path.GetTempPath(), "pax-test-ports", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // flock(1) is how a test process the .NET runtime did not start would ask; -n fails at once when it is held.
        using var flock = Process.Start(new ProcessStartInfo("flock", ["-n", lockFile, "true"]) { UseShellExecute = false })!;
        await flock.WaitForExitAsync();

        Assert.Equal(1, flock.ExitCode);
    }
}
