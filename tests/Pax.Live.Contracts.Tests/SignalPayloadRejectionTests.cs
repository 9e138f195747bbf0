using System.Text;
using static Pax.Live.Contracts.Tests.Payloads;

namespace Pax.Live.Contracts.Tests;

public sealed class SignalPayloadRejectionTests
{
    [Fact]
    public void PayloadOf4097BytesIsTooLarge()
    {
        var parsed = Parse(Padded(SignalPayload.MaxBytes + 1));

        Assert.Equal(RejectReason.TooLarge, parsed.Reason);
        Assert.Empty(parsed.Signals);
    }

    [Fact]
    public void TooLargeIsDecidedBeforeTheJsonIsRead()
    {
        // Not JSON at all, but the size is what is reported.
        var parsed = Parse(Encoding.UTF8.GetBytes(new string('x', SignalPayload.MaxBytes + 1)));

        Assert.Equal(RejectReason.TooLarge, parsed.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}""")]
    [InlineData("""{"ts":1764161000123,"sig""")]
    [InlineData("""{"ts":""")]
    [InlineData("""{""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":NaN}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":Infinity}]}""")]
    [InlineData("""NaN""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}]}x""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}]}{}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}]},""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}]}]""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5,}]}""")]
    [InlineData("""{'ts':1764161000123,'signals':[{'kind':'motion','value':0.5}]}""")]
    [InlineData("""{"ts":1764161000123,/* c */"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":01764161000123,"signals":[{"kind":"motion","value":0.5}]}""")]
    public void MalformedJsonIsNotJson(string payload) => AssertRejected(RejectReason.NotJson, payload);

    [Theory]
    [InlineData("""{"ts":"x","signals":[""")]
    [InlineData("""[1,2""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"smoke","value":0.5}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":7}]""")]
    public void BrokenJsonIsNotJsonWhateverElseIsWrong(string payload) => AssertRejected(RejectReason.NotJson, payload);

    [Fact]
    public void InvalidUtf8IsNotJson()
    {
        var utf8 = Encoding.UTF8.GetBytes(Message(Signal("motion", "0.5"), """{"kind":"motion","value":0.5,"zone":"AB"}"""));
        var zone = Array.IndexOf(utf8, (byte)'A');
        utf8[zone] = 0xC3;
        utf8[zone + 1] = 0x28;

        var parsed = Parse(utf8);

        Assert.Equal(RejectReason.NotJson, parsed.Reason);
        Assert.Empty(parsed.Signals);
    }

    [Theory]
    [InlineData("""[]""")]
    [InlineData("""[{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}]}]""")]
    [InlineData("""42""")]
    [InlineData("\"signals\"")]
    [InlineData("""null""")]
    [InlineData("""{}""")]
    [InlineData("""{"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123}""")]
    [InlineData("""{"ts":"1764161000123","signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123.5,"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123.0,"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":1.764161000123e12,"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":99999999999999999999,"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":null,"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":{},"signals":[{"kind":"motion","value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":{"kind":"motion","value":0.5}}""")]
    [InlineData("""{"ts":1764161000123,"signals":"motion"}""")]
    [InlineData("""{"ts":1764161000123,"signals":null}""")]
    [InlineData("""{"ts":1764161000123,"signals":[1]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[[{"kind":"motion","value":0.5}]]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5},{"kind":"sound"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":"high"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":"0.5"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":"nan"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":"\uD800"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":"N\uDC00N"}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":true}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":null}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":[0.5]}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":6,"value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":null,"value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":["motion"],"value":0.5}]}""")]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":{"name":"motion"},"value":0.5}]}""")]
    public void WellFormedJsonOfAnotherShapeIsBadShape(string payload) => AssertRejected(RejectReason.BadShape, payload);

    [Theory]
    [InlineData("smoke")]
    [InlineData("Motion")]
    [InlineData("MOTION")]
    [InlineData("motions")]
    [InlineData("moti")]
    [InlineData("")]
    [InlineData(" motion")]
    [InlineData("\\u0073moke")]
    [InlineData("\\u004dotion")]
    [InlineData("\\u006dotion\\u006dotion\\u006dotion\\u006dotion\\u006dotion\\u006dotion")]
    [InlineData("\\uDC00")]
    [InlineData("\\uD800")]
    [InlineData("motion\\uD800")]
    [InlineData("\\uD800\\u006dotion")]
    public void KindNotInTheContractIsUnknownKind(string kind) =>
        AssertRejected(RejectReason.UnknownKind, Message(Signal("motion", "0.5"), Signal(kind, "0.5")));

    [Theory]
    [InlineData("motion", "1e999")]
    [InlineData("motion", "-1e999")]
    [InlineData("sound", "1e309")]
    [InlineData("motion", "\"NaN\"")]
    [InlineData("motion", "\"Infinity\"")]
    [InlineData("motion", "\"-Infinity\"")]
    [InlineData("fire", "\"N\\u0061N\"")]
    public void ValueThatIsNoFiniteNumberIsNotFinite(string kind, string value) =>
        AssertRejected(RejectReason.NotFinite, Message(Signal(kind, value)));

    [Theory]
    [InlineData("motion", "1.5")]
    [InlineData("motion", "-0.01")]
    [InlineData("people", "-1")]
    [InlineData("people", "2.5")]
    [InlineData("people", "100001")]
    [InlineData("loiter", "-1")]
    [InlineData("loiter", "86401")]
    [InlineData("sound", "195")]
    [InlineData("sound", "194.001")]
    [InlineData("sound", "-1")]
    [InlineData("impulse", "2")]
    [InlineData("impulse", "0.5")]
    [InlineData("impulse", "-1")]
    [InlineData("tamper", "0.5")]
    [InlineData("tamper", "2")]
    [InlineData("report", "0")]
    [InlineData("report", "4")]
    [InlineData("report", "2.5")]
    [InlineData("fire", "-0.1")]
    [InlineData("fire", "1.01")]
    public void ValueOutsideItsKindsRangeIsOutOfRange(string kind, string value) =>
        AssertRejected(RejectReason.OutOfRange, Message(Signal("motion", "0.5"), Signal(kind, value)));

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MinValue)]
    public void TimestampNotAfterTheEpochIsOutOfRange(long ts) =>
        AssertRejected(RejectReason.OutOfRange, Message(ts, Signal("motion", "0.5")));

    [Fact]
    public void EmptySignalsArrayIsSignalCount() => AssertRejected(RejectReason.SignalCount, Message());

    [Fact]
    public void SixtyFiveSignalsAreSignalCount()
    {
        var signals = Enumerable.Repeat(Signal("impulse", "1"), SignalPayload.MaxSignals + 1).ToArray();

        AssertRejected(RejectReason.SignalCount, Message(signals));
    }

    [Fact]
    public void TimestampOneSecondPastTheAllowedSkewIsFutureTimestamp()
    {
        var parsed = Parse(Message(Now + SignalPayload.MaxFutureSkewMs + 1000, Signal("motion", "0.5")));

        Assert.Equal(RejectReason.FutureTimestamp, parsed.Reason);
        Assert.Empty(parsed.Signals);
    }

    [Fact]
    public void TimestampOneMillisecondPastTheAllowedSkewIsFutureTimestamp() =>
        AssertRejected(RejectReason.FutureTimestamp, Message(Now + SignalPayload.MaxFutureSkewMs + 1, Signal("motion", "0.5")));

    [Fact]
    public void AllowedSkewIsFiveMinutes() => Assert.Equal(5 * 60 * 1000, SignalPayload.MaxFutureSkewMs);

    [Fact]
    public void DestinationShorterThanMaxSignalsIsRefused()
    {
        var utf8 = Encoding.UTF8.GetBytes(Message(Signal("motion", "0.5")));
        var destination = new Signal[SignalPayload.MaxSignals - 1];

        var thrown = Assert.Throws<ArgumentException>(() => SignalPayload.Parse(utf8, Now, destination, out _, out _));
        Assert.Equal("destination", thrown.ParamName);
    }
}
