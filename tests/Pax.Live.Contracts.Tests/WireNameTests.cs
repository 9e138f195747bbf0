namespace Pax.Live.Contracts.Tests;

public sealed class WireNameTests
{
    [Theory]
    [InlineData(RejectReason.None, "none")]
    [InlineData(RejectReason.Topic, "topic")]
    [InlineData(RejectReason.BadId, "bad_id")]
    [InlineData(RejectReason.TooLarge, "too_large")]
    [InlineData(RejectReason.NotJson, "not_json")]
    [InlineData(RejectReason.BadShape, "bad_shape")]
    [InlineData(RejectReason.UnknownKind, "unknown_kind")]
    [InlineData(RejectReason.NotFinite, "not_finite")]
    [InlineData(RejectReason.OutOfRange, "out_of_range")]
    [InlineData(RejectReason.SignalCount, "signal_count")]
    [InlineData(RejectReason.FutureTimestamp, "future_ts")]
    [InlineData(RejectReason.UnknownPlace, "unknown_place")]
    [InlineData(RejectReason.BadStatus, "bad_status")]
    [InlineData(RejectReason.Overload, "overload")]
    [InlineData(RejectReason.NotAllowed, "not_allowed")]
    [InlineData(RejectReason.RateLimited, "rate_limited")]
    [InlineData(RejectReason.TopicAlias, "topic_alias")]
    [InlineData(RejectReason.Duplicate, "duplicate")]
    public void RejectReasonHasItsWireName(RejectReason reason, string name) => Assert.Equal(name, reason.Name());

    [Fact]
    public void RejectReasonCountCoversEveryReason() => Assert.Equal(RejectReasons.Count, Enum.GetValues<RejectReason>().Length);

    [Theory]
    [InlineData(SignalKind.Motion, "motion")]
    [InlineData(SignalKind.People, "people")]
    [InlineData(SignalKind.Loiter, "loiter")]
    [InlineData(SignalKind.Sound, "sound")]
    [InlineData(SignalKind.Impulse, "impulse")]
    [InlineData(SignalKind.Fire, "fire")]
    [InlineData(SignalKind.Tamper, "tamper")]
    [InlineData(SignalKind.Report, "report")]
    public void SignalKindNameRoundTrips(SignalKind kind, string name)
    {
        Assert.Equal(name, kind.Name());
        Assert.True(SignalKinds.TryParse(name, out var byString));
        Assert.Equal(kind, byString);
        Assert.True(SignalKinds.TryParse(System.Text.Encoding.UTF8.GetBytes(name), out var byUtf8));
        Assert.Equal(kind, byUtf8);
    }

    [Fact]
    public void AllListsEveryKindInNumericOrder()
    {
        var all = SignalKinds.All.ToArray();

        Assert.Equal(SignalKinds.Count, all.Length);
        Assert.Equal(Enum.GetValues<SignalKind>(), all);
    }

    [Theory]
    [InlineData(Level.Unknown, "unknown")]
    [InlineData(Level.Calm, "calm")]
    [InlineData(Level.Elevated, "elevated")]
    [InlineData(Level.Alert, "alert")]
    public void LevelHasItsWireName(Level level, string name) => Assert.Equal(name, level.Name());
}
