namespace Pax.Live.Abstractions;

/// <summary>
/// The database could not be reached for a write or a read. Grains throw this instead of the driver's own exception
/// (NpgsqlException, SqliteException), which Orleans cannot carry to a caller on another node: the caller got a
/// serialisation failure in its place, and could not tell "the database is away" from a bug.
/// </summary>
[GenerateSerializer, Alias("pax.StorageUnavailableException")]
public sealed class StorageUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>
    /// This exception for <paramref name="exception"/>, keeping the driver's type and message in the text (its object
    /// stays behind on this node: it does not serialise).
    /// </summary>
    public static Exception From(Exception exception) => exception is StorageUnavailableException or OperationCanceledException
        ? exception
        : new StorageUnavailableException($"Storage unavailable: {exception.GetType().FullName}: {exception.Message}");
}
