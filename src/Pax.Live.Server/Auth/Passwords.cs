using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Pax.Live.Abstractions;
using Pax.Live.Server.Storage;

namespace Pax.Live.Server.Auth;

/// <summary>Passwords through ASP.NET Core's password hasher (PBKDF2, salted, versioned).</summary>
public sealed class Passwords
{
    private readonly PasswordHasher<UserRecord> _hasher = new();

    /// <summary>The hash to store.</summary>
    public string Hash(UserRecord user, string password) => _hasher.HashPassword(user, password);

    /// <summary>Whether <paramref name="password"/> is the user's.</summary>
    public bool Verify(UserRecord user, string password) =>
        user.PasswordHash is { } hash && _hasher.VerifyHashedPassword(user, hash, password) != PasswordVerificationResult.Failed;

    /// <summary>A password good enough to print once: 24 random characters.</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(18)).Replace('+', 'x').Replace('/', 'y');
}

/// <summary>
/// At first start (no users yet) creates the admin: with the configured password, or a generated one printed once.
/// A configured password that finds users already there is not applied, and the log says so.
/// </summary>
public sealed partial class FirstAdmin(
    IGrainFactory grains, AuthOptions options, Passwords passwords, StorageOptions storage, IConfiguration configuration, ILogger<FirstAdmin> logger) : IHostedService
{
    /// <summary>The first admin's name.</summary>
    public const string Name = "admin";

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var generated = string.IsNullOrEmpty(options.AdminPassword);
        var password = generated ? Passwords.Generate() : options.AdminPassword!;
        var admin = new UserRecord(Name, Role.Admin, [], null);
        admin = admin with { PasswordHash = passwords.Hash(admin, password) };
        var created = await grains.GetGrain<IUserDirectoryGrain>(0).CreateFirstAdmin(admin);
        if (!created && !generated)
        {
            // Without this line a newcomer who started once without the password gets 401s and no reason.
            LogPasswordNotApplied(logger, Name, StoredIn());
            return;
        }

        if (created && generated)
        {
            // Printed once, to the console only: it is not stored anywhere but as a hash.
            await Console.Out.WriteLineAsync($"Pax.Live first start: user '{Name}' has password {password} — sign in and change it.");
            LogGenerated(logger, Name);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private string StoredIn() => storage.Provider switch
    {
        StorageProvider.Sqlite when string.IsNullOrWhiteSpace(storage.ConnectionString) =>
            $"the data directory {Path.GetFullPath(DataDirectory.Of(configuration))}",
        _ => $"the {storage.Provider} database",
    };

    [LoggerMessage(LogLevel.Warning, $"{AuthOptions.Section}:{nameof(AuthOptions.AdminPassword)} is set but not applied: {{StoredIn}} already has users, and that password only creates the first admin when there are none. Sign in as '{{Name}}' with the password it was created with (and change it with PUT /api/users/{{Name}}), or stop the server and delete the data to start over")]
    private static partial void LogPasswordNotApplied(ILogger logger, string name, string storedIn);

    [LoggerMessage(LogLevel.Warning, "Created the first admin '{Name}' with a generated password (printed once on the console)")]
    private static partial void LogGenerated(ILogger logger, string name);
}
