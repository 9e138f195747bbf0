using System.Net;
using System.Net.Sockets;

namespace Pax.Live.Testing;

/// <summary>
/// Loopback ports for servers the tests start, never handed out twice while the test process lives, not even to
/// the test assemblies <c>dotnet test</c> runs beside this one.
/// </summary>
/// <remarks>
/// Asking the kernel for port 0 and closing the listener is not enough: the next request may get the same port back
/// (it did once in CI: a server's HTTP and MQTT ports were equal, and it failed to start). So ports come from below
/// the kernel's ephemeral range (32768–60999 on Linux), where no client socket or port-0 listener is given one, and
/// each is claimed by an exclusive lock on a file named after it. The lock goes with the process that holds it.
/// </remarks>
public static class TestPorts
{
    private const int First = 20000;
    private const int Count = 10000;

    private static readonly string ClaimsDirectory = Path.Combine(Path.GetTempPath(), "pax-test-ports");
    private static readonly List<FileStream> Claims = [];
    private static int _next = First + Random.Shared.Next(Count);

    /// <summary>A port on 127.0.0.1 that nothing listens on and no other test process has claimed.</summary>
    public static int Claim()
    {
        Directory.CreateDirectory(ClaimsDirectory);
        lock (Claims)
        {
            for (var tried = 0; tried < Count; tried++)
            {
                var port = _next;
                _next = _next + 1 < First + Count ? _next + 1 : First;
                if (TryClaim(port) is { } claim)
                {
                    Claims.Add(claim);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free test port in {First}–{First + Count - 1}.");
    }

    private static FileStream? TryClaim(int port)
    {
        FileStream claim;
        try
        {
            // .NET takes an advisory exclusive lock (flock) for FileShare.None: a second opener, in this process or
            // another, fails until the holder closes the file or exits.
            claim = new FileStream(Path.Combine(ClaimsDirectory, port.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }

        if (IsFree(port))
        {
            return claim;
        }

        claim.Dispose();
        return null;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
