namespace Pax.Live.Contracts;

/// <summary>Place and device ids: <c>^[a-z0-9][a-z0-9-]{0,63}$</c>.</summary>
public static class Ids
{
    /// <summary>The longest id, in characters.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="id"/> is a valid place or device id.</summary>
    public static bool IsValid(ReadOnlySpan<char> id)
    {
        if (id.Length is 0 or > MaxLength || id[0] == '-')
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
