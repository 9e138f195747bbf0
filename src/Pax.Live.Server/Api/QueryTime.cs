using System.Globalization;

namespace Pax.Live.Server.Api;

/// <summary>
/// Times in query strings: ISO 8601, and within <see cref="Earliest"/>..<see cref="Latest"/>, so that the arithmetic
/// on them (a period before, a step after) never leaves what <see cref="DateTimeOffset"/> holds.
/// </summary>
internal static class QueryTime
{
    /// <summary>The earliest time a query may name: nothing was recorded before it.</summary>
    public static readonly DateTimeOffset Earliest = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The latest time a query may name.</summary>
    public static readonly DateTimeOffset Latest = new(2200, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Parses <paramref name="text"/>, or gives <paramref name="fallback"/> when it is empty; a bad one is an error on <paramref name="field"/>.</summary>
    public static DateTimeOffset Parse(string? text, DateTimeOffset fallback, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
        {
            errors[field] = [$"'{field}' must be an ISO 8601 time such as 2026-11-26T22:00:00Z."];
            return fallback;
        }

        if (parsed < Earliest || parsed > Latest)
        {
            errors[field] = [$"'{field}' must be between {Earliest:yyyy-MM-dd} and {Latest:yyyy-MM-dd}."];
            return fallback;
        }

        return parsed;
    }

    /// <summary><paramref name="time"/> less <paramref name="span"/>, or the earliest time there is.</summary>
    public static DateTimeOffset Before(DateTimeOffset time, TimeSpan span) =>
        time - DateTimeOffset.MinValue > span ? time - span : DateTimeOffset.MinValue;
}
