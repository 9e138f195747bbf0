namespace Pax.Live.Contracts.Tests;

public sealed class TopicTests
{
    private static readonly string Id64 = new('a', Ids.MaxLength);
    private static readonly string Id65 = new('a', Ids.MaxLength + 1);

    [Fact]
    public void SignalsTopicParsesToPlaceAndDevice()
    {
        const string Text = "pax/v1/plaza-1/cam-07/signals";

        var reason = Topic.TryParse(Text, out var topic);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(TopicKind.Signals, topic.Kind);
        Assert.Equal("plaza-1", Text[topic.Place]);
        Assert.Equal("cam-07", Text[topic.Device]);
    }

    [Fact]
    public void StatusTopicParsesToPlaceAndDevice()
    {
        const string Text = "pax/v1/0station/9-mic-2/status";

        var reason = Topic.TryParse(Text, out var topic);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(TopicKind.Status, topic.Kind);
        Assert.Equal("0station", Text[topic.Place]);
        Assert.Equal("9-mic-2", Text[topic.Device]);
    }

    [Fact]
    public void TopicBuildersRoundTrip()
    {
        var signals = Topic.Signals("plaza-1", "cam-07");
        var status = Topic.Status("plaza-1", "cam-07");

        Assert.Equal("pax/v1/plaza-1/cam-07/signals", signals);
        Assert.Equal("pax/v1/plaza-1/cam-07/status", status);
        Assert.Equal(RejectReason.None, Topic.TryParse(signals, out var s));
        Assert.Equal(RejectReason.None, Topic.TryParse(status, out var t));
        Assert.Equal(new Topic(TopicKind.Signals, 7..14, 15..21), s);
        Assert.Equal(new Topic(TopicKind.Status, 7..14, 15..21), t);
    }

    [Fact]
    public void SixtyFourCharacterIdsAreValid()
    {
        var text = Topic.Signals(Id64, Id64);

        var reason = Topic.TryParse(text, out var topic);

        Assert.Equal(RejectReason.None, reason);
        Assert.Equal(Id64, text[topic.Place]);
        Assert.Equal(Id64, text[topic.Device]);
    }

    [Fact]
    public void OneCharacterIdsAreValid()
    {
        const string Text = "pax/v1/p/7/status";

        Assert.Equal(RejectReason.None, Topic.TryParse(Text, out var topic));
        Assert.Equal("p", Text[topic.Place]);
        Assert.Equal("7", Text[topic.Device]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pax")]
    [InlineData("pax/v1")]
    [InlineData("pax/v1/")]
    [InlineData("pax/v2/plaza-1/cam-07/signals")]
    [InlineData("pax/v0/plaza-1/cam-07/signals")]
    [InlineData("PAX/v1/plaza-1/cam-07/signals")]
    [InlineData("/pax/v1/plaza-1/cam-07/signals")]
    [InlineData("other/v1/plaza-1/cam-07/signals")]
    [InlineData("pax/v1/plaza-1")]
    [InlineData("pax/v1/plaza-1/signals")]
    [InlineData("pax/v1/plaza-1/cam-07")]
    [InlineData("pax/v1/plaza-1/cam-07/")]
    [InlineData("pax/v1/plaza-1/cam-07/signals/")]
    [InlineData("pax/v1/plaza-1/cam-07/signals/extra")]
    [InlineData("pax/v1/plaza-1/zone-a/cam-07/signals")]
    [InlineData("pax/v1/plaza-1/cam-07/signal")]
    [InlineData("pax/v1/plaza-1/cam-07/Signals")]
    [InlineData("pax/v1/plaza-1/cam-07/state")]
    [InlineData("pax/v1/plaza-1/cam-07/statuses")]
    [InlineData("pax/v1/plaza-1/cam-07/#")]
    public void TopicOfAnotherShapeIsTopic(string text)
    {
        Assert.Equal(RejectReason.Topic, Topic.TryParse(text, out var topic));
        Assert.Equal(default, topic);
    }

    [Theory]
    [InlineData("pax/v1/Plaza-1/cam-07/signals")]
    [InlineData("pax/v1/plaza-1/CAM-07/signals")]
    [InlineData("pax/v1/-plaza/cam-07/signals")]
    [InlineData("pax/v1/plaza-1/-cam/status")]
    [InlineData("pax/v1//cam-07/signals")]
    [InlineData("pax/v1/plaza-1//status")]
    [InlineData("pax/v1///signals")]
    [InlineData("pax/v1/plaza_1/cam-07/signals")]
    [InlineData("pax/v1/plaza.1/cam-07/signals")]
    [InlineData("pax/v1/plaza 1/cam-07/signals")]
    [InlineData("pax/v1/+/cam-07/signals")]
    [InlineData("pax/v1/plaza-1/cäm/signals")]
    public void WellShapedTopicWithInvalidIdIsBadId(string text)
    {
        Assert.Equal(RejectReason.BadId, Topic.TryParse(text, out var topic));
        Assert.Equal(default, topic);
    }

    [Fact]
    public void SixtyFiveCharacterPlaceIdIsBadId() =>
        Assert.Equal(RejectReason.BadId, Topic.TryParse(Topic.Signals(Id65, "cam-07"), out _));

    [Fact]
    public void SixtyFiveCharacterDeviceIdIsBadId() =>
        Assert.Equal(RejectReason.BadId, Topic.TryParse(Topic.Status("plaza-1", Id65), out _));

    [Theory]
    [InlineData("a")]
    [InlineData("0")]
    [InlineData("plaza-1")]
    [InlineData("9-lives")]
    [InlineData("trailing-")]
    [InlineData("a--b")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456789-")]
    public void IdMatchingTheGrammarIsValid(string id) => Assert.True(Ids.IsValid(id));

    [Theory]
    [InlineData("")]
    [InlineData("-")]
    [InlineData("-plaza")]
    [InlineData("Plaza")]
    [InlineData("plazA")]
    [InlineData("plaza_1")]
    [InlineData("plaza/1")]
    [InlineData("plaza 1")]
    [InlineData(" plaza")]
    [InlineData("plazä")]
    public void IdNotMatchingTheGrammarIsInvalid(string id) => Assert.False(Ids.IsValid(id));

    [Fact]
    public void IdLengthLimitIsSixtyFour()
    {
        Assert.True(Ids.IsValid(Id64));
        Assert.False(Ids.IsValid(Id65));
    }
}
