namespace Pax.Live.Abstractions;

/// <summary>
/// A local user: a name, a role, the areas they work in, and a password hash (never the password). <see cref="Stamp"/>
/// goes up whenever the role, the areas, the password or being disabled changes: tokens carry the stamp they were
/// issued under, and one with an older stamp is refused.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.UserRecord")]
public sealed record UserRecord(
    [property: Id(0)] string Name,
    [property: Id(1)] Role Role,
    [property: Id(2)] string[] Areas,
    [property: Id(3)] string? PasswordHash,
    [property: Id(4)] bool Disabled = false,
    [property: Id(5)] int Stamp = 0)
{
    /// <summary>Whether <paramref name="other"/> differs in what a token vouches for: role, areas, password, disabled.</summary>
    public bool DiffersInPowerFrom(UserRecord other) =>
        Role != other.Role || Disabled != other.Disabled || !string.Equals(PasswordHash, other.PasswordHash, StringComparison.Ordinal)
        || !Areas.AsSpan().SequenceEqual(other.Areas);
}

/// <summary>The local users. Key 0.</summary>
[Alias("pax.IUserDirectoryGrain")]
public interface IUserDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>A user by name, or null.</summary>
    [Alias("Find")]
    Task<UserRecord?> Find(string name);

    /// <summary>Every user.</summary>
    [Alias("All")]
    Task<UserRecord[]> All();

    /// <summary>
    /// Creates or replaces a user; returns true when created. A change of power bumps the stamp and, before this returns,
    /// tells every web host to forget the user's old tokens and close their live connections.
    /// </summary>
    [Alias("Upsert")]
    Task<bool> Upsert(UserRecord user);

    /// <summary>Creates the first admin if there are no users at all; returns true when it did.</summary>
    [Alias("CreateFirstAdmin")]
    Task<bool> CreateFirstAdmin(UserRecord admin);
}
