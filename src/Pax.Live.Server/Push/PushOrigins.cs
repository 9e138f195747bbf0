namespace Pax.Live.Server.Push;

/// <summary>The allow-list of push services: an endpoint is taken only when its origin is listed.</summary>
public static class PushOrigins
{
    /// <summary>Whether <paramref name="endpoint"/> is an absolute URL of an allowed push service.</summary>
    public static bool IsAllowed(string endpoint, IReadOnlyList<string> allowed)
    {
        if (endpoint.Length > 2048 || !Uri.TryCreate(endpoint, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http") || !string.IsNullOrEmpty(uri.UserInfo))
        {
            return false;
        }

        foreach (var entry in allowed)
        {
            if (Matches(uri, entry))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The origin of an endpoint, what the phone's list shows (the rest of the URL is the phone's secret).</summary>
    public static string OriginOf(string endpoint) =>
        Uri.TryCreate(endpoint, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : "";

    private static bool Matches(Uri uri, string entry)
    {
        var wildcard = entry.Contains("://*.", StringComparison.Ordinal);
        if (!Uri.TryCreate(wildcard ? entry.Replace("://*.", "://", StringComparison.Ordinal) : entry, UriKind.Absolute, out var allowed))
        {
            return false;
        }

        if (!string.Equals(uri.Scheme, allowed.Scheme, StringComparison.OrdinalIgnoreCase) || uri.Port != allowed.Port)
        {
            return false;
        }

        return wildcard
            ? uri.Host.EndsWith("." + allowed.Host, StringComparison.OrdinalIgnoreCase)
            : string.Equals(uri.Host, allowed.Host, StringComparison.OrdinalIgnoreCase);
    }
}
