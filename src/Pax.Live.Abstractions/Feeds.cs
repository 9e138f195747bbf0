namespace Pax.Live.Abstractions;

/// <summary>
/// Where an alert event stands in its audience's feed. <c>Epoch</c> changes when the feed starts afresh (its grain was
/// activated again); within an epoch, <c>Seq</c> counts the audience's alert events one by one, so a client sees a gap.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.FeedPosition")]
public sealed record FeedPosition(
    [property: Id(0)] string Audience,
    [property: Id(1)] long Epoch,
    [property: Id(2)] long Seq);

/// <summary>One alert event of a feed: an alert raised, or an alert's new state.</summary>
[GenerateSerializer, Immutable, Alias("pax.AlertFeedEntry")]
public sealed record AlertFeedEntry(
    [property: Id(0)] FeedPosition Position,
    [property: Id(1)] AlertRaised? Raised,
    [property: Id(2)] AlertView? Changed);

/// <summary>
/// What a client missed in one audience's feed. With <c>Reset</c> the client's position was unknown (first call, a new
/// epoch, or too far behind): it replaces what it holds for the audience with <c>Open</c>, then applies
/// <c>Entries</c> in order. <c>Epoch</c> and <c>Seq</c> are where the feed stands now.
/// </summary>
[GenerateSerializer, Immutable, Alias("pax.AlertFeedPage")]
public sealed record AlertFeedPage(
    [property: Id(0)] string Audience,
    [property: Id(1)] long Epoch,
    [property: Id(2)] long Seq,
    [property: Id(3)] bool Reset,
    [property: Id(4)] AlertFeedEntry[] Entries,
    [property: Id(5)] AlertView[] Open);

/// <summary>Who hears of alerts: the control room (operators and admins) hears all; the guards of an area hear theirs.</summary>
public static class Audiences
{
    /// <summary>The control room's audience.</summary>
    public const string ControlRoom = "control";

    private const string AreaPrefix = "area:";

    /// <summary>The audience of an area's guards.</summary>
    public static string Area(string area) => AreaPrefix + area;

    /// <summary>The area of an area audience, or null for the control room's.</summary>
    public static string? AreaOf(string audience) =>
        audience.StartsWith(AreaPrefix, StringComparison.Ordinal) ? audience[AreaPrefix.Length..] : null;

    /// <summary>The audiences an alert of a place in <paramref name="area"/> goes to.</summary>
    public static string[] Of(string? area) => area is null ? [ControlRoom] : [ControlRoom, Area(area)];

    /// <summary>The audiences a person belongs to: the control room's, their areas', or none (staff).</summary>
    public static string[] For(Actor actor) => actor.Role switch
    {
        Role.Operator or Role.Admin => [ControlRoom],
        Role.Guard => [.. actor.Areas.Select(Area)],
        _ => [],
    };
}

/// <summary>
/// One audience's alert feed (keyed by audience): numbers its alert events, sends them to every web host in that order,
/// and keeps the recent ones and the audience's open alerts so that a client coming back gets what it missed.
/// </summary>
[Alias("pax.IAlertFeedGrain")]
public interface IAlertFeedGrain : IGrainWithStringKey
{
    /// <summary>Numbers an alert event (the alert <paramref name="raised"/>, or a change to it), keeps it and sends it out; <paramref name="view"/> is the alert as it now is.</summary>
    [Alias("Publish")]
    ValueTask<FeedPosition> Publish(AlertView view, bool raised);

    /// <summary>The events after <paramref name="seq"/> of <paramref name="epoch"/>, or a reset when they are not all kept.</summary>
    [Alias("Since")]
    ValueTask<AlertFeedPage> Since(long epoch, long seq);
}
