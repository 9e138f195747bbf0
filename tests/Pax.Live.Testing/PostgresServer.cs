using System.Diagnostics;
using Npgsql;

namespace Pax.Live.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster from Debian's <c>postgresql</c> package: initdb into a temp folder, started on a free
/// loopback port as the <c>postgres</c> user (PostgreSQL refuses to run as root), dropped at the end. Never a mock.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _dataDir;

    private PostgresServer(string bin, string dataDir, int port)
    {
        _bin = bin;
        _dataDir = dataDir;
        Port = port;
    }

    public int Port { get; }

    public string ConnectionString(string database) =>
        $"Host=127.0.0.1;Port={Port};Username=postgres;Database={database};Pooling=true;Timeout=5;Command Timeout=30";

    public static async Task<PostgresServer> Start()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).Order().LastOrDefault()
            : null;
        if (bin is null)
        {
            throw new InvalidOperationException("PostgreSQL is needed (Debian: apt-get install postgresql); ./test.sh installs it.");
        }

        var dataDir = Path.Combine(Path.GetTempPath(), $"pax-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        await RunAsPostgres("chown", "postgres:postgres", dataDir);
        var server = new PostgresServer(bin, dataDir, TestPorts.Claim());
        await server.Pg("initdb", "-D", Path.Combine(dataDir, "db"), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync");
        await server.StartServer();
        return server;
    }

    /// <summary>Starts (or restarts) the cluster; returns when it accepts connections.</summary>
    public Task StartServer() => Pg(
        "pg_ctl", "-D", Path.Combine(_dataDir, "db"), "-l", Path.Combine(_dataDir, "log"), "-w", "-t", "60",
        "-o", $"-p {Port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
        "start");

    /// <summary>Stops the cluster at once (an outage, as far as clients can tell).</summary>
    public Task StopServer() => Pg("pg_ctl", "-D", Path.Combine(_dataDir, "db"), "-m", "immediate", "-w", "stop");

    public async Task<string> CreateDatabase()
    {
        var name = "pax_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopServer();
        }
        catch (InvalidOperationException)
        {
        }

        NpgsqlConnection.ClearAllPools();
        Directory.Delete(_dataDir, recursive: true);
    }

    private Task Pg(string tool, params string[] args) => RunAsPostgres(Path.Combine(_bin, tool), args);

    private static async Task RunAsPostgres(string program, params string[] args)
    {
        // As root, run as the postgres user (chown itself runs as root); as anyone else, run as ourselves.
        var asRoot = Environment.UserName == "root";
        var start = asRoot && program != "chown" ? new ProcessStartInfo("runuser", ["-u", "postgres", "--", program, .. args]) : new ProcessStartInfo(program, args);
        if (!asRoot && program == "chown")
        {
            return;
        }

        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} failed ({process.ExitCode}): {await stdout}{await stderr}");
        }
    }
}
