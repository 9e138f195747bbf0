using System.Text;
using static Pax.Live.Contracts.Tests.Payloads;

namespace Pax.Live.Contracts.Tests;

public sealed class SignalPayloadAcceptanceTests
{
    [Theory]
    [InlineData("motion", "0", SignalKind.Motion, 0.0)]
    [InlineData("motion", "1", SignalKind.Motion, 1.0)]
    [InlineData("motion", "0.37", SignalKind.Motion, 0.37)]
    [InlineData("people", "0", SignalKind.People, 0.0)]
    [InlineData("people", "12", SignalKind.People, 12.0)]
    [InlineData("people", "12.0", SignalKind.People, 12.0)]
    [InlineData("people", "100000", SignalKind.People, 100_000.0)]
    [InlineData("loiter", "0", SignalKind.Loiter, 0.0)]
    [InlineData("loiter", "42.5", SignalKind.Loiter, 42.5)]
    [InlineData("loiter", "86400", SignalKind.Loiter, 86_400.0)]
    [InlineData("sound", "0", SignalKind.Sound, 0.0)]
    [InlineData("sound", "63.5", SignalKind.Sound, 63.5)]
    [InlineData("sound", "194", SignalKind.Sound, 194.0)]
    [InlineData("impulse", "0", SignalKind.Impulse, 0.0)]
    [InlineData("impulse", "1", SignalKind.Impulse, 1.0)]
    [InlineData("impulse", "1e0", SignalKind.Impulse, 1.0)]
    [InlineData("fire", "0", SignalKind.Fire, 0.0)]
    [InlineData("fire", "0.8", SignalKind.Fire, 0.8)]
    [InlineData("fire", "1", SignalKind.Fire, 1.0)]
    [InlineData("tamper", "0", SignalKind.Tamper, 0.0)]
    [InlineData("tamper", "1", SignalKind.Tamper, 1.0)]
    [InlineData("report", "1", SignalKind.Report, 1.0)]
    [InlineData("report", "2", SignalKind.Report, 2.0)]
    [InlineData("report", "3", SignalKind.Report, 3.0)]
    public void ValidSignalOfEachKindIsAccepted(string kind, string value, SignalKind expectedKind, double expectedValue)
    {
        var parsed = Parse(Message(Signal(kind, value)));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(Ts, parsed.Timestamp);
        Assert.Equal([new Signal(expectedKind, expectedValue)], parsed.Signals);
    }

    [Fact]
    public void SignalsAreReturnedInPayloadOrder()
    {
        var parsed = Parse(Message(Signal("sound", "71.5"), Signal("motion", "0.25"), Signal("impulse", "1"), Signal("motion", "0.5")));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(
            [
                new Signal(SignalKind.Sound, 71.5), new Signal(SignalKind.Motion, 0.25),
                new Signal(SignalKind.Impulse, 1), new Signal(SignalKind.Motion, 0.5),
            ],
            parsed.Signals);
    }

    [Fact]
    public void SixtyFourSignalsAreAccepted()
    {
        var kinds = SignalKinds.All.ToArray();
        var expected = new Signal[SignalPayload.MaxSignals];
        var json = new string[SignalPayload.MaxSignals];
        for (var i = 0; i < expected.Length; i++)
        {
            var kind = kinds[i % kinds.Length];
            var value = kind switch
            {
                SignalKind.Report => 1 + (i % 3),
                SignalKind.Impulse or SignalKind.Tamper => i % 2,
                SignalKind.Motion or SignalKind.Fire => i / 64.0,
                _ => i,
            };
            expected[i] = new Signal(kind, value);
            json[i] = Signal(kind.Name(), value.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
        }

        var parsed = Parse(Message(json));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(expected, parsed.Signals);
    }

    [Fact]
    public void PayloadOfExactly4096BytesIsAccepted()
    {
        var parsed = Parse(Padded(SignalPayload.MaxBytes));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal([new Signal(SignalKind.Motion, 0.5)], parsed.Signals);
    }

    [Fact]
    public void TimestampExactlyFiveMinutesAheadIsAccepted()
    {
        var ts = Now + SignalPayload.MaxFutureSkewMs;

        var parsed = Parse(Message(ts, Signal("motion", "0.5")));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(ts, parsed.Timestamp);
        Assert.Equal([new Signal(SignalKind.Motion, 0.5)], parsed.Signals);
    }

    [Fact]
    public void OldTimestampIsAccepted()
    {
        // Store-and-forward delivers readings hours late; age is not a reason to reject.
        var ts = Now - (24 * 60 * 60 * 1000);

        var parsed = Parse(Message(ts, Signal("people", "3")));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(ts, parsed.Timestamp);
    }

    [Fact]
    public void TimestampOfOneMillisecondIsAccepted()
    {
        var parsed = Parse(Message(1, Signal("motion", "0.5")));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(1, parsed.Timestamp);
    }

    [Fact]
    public void UnknownExtraFieldsAreIgnored()
    {
        const string Json = """
            {
              "v": 1,
              "device": {"model": "x", "tags": [1, 2, {"a": null}]},
              "ts": 1764161000123,
              "seq": 991,
              "signals": [
                {"kind": "motion", "zone": "north", "value": 0.5, "extra": [true, false]},
                {"confidence": 0.9, "kind": "fire", "value": 0.25, "box": {"x": 1, "y": 2}}
              ],
              "tail": "x"
            }
            """;

        var parsed = Parse(Json);

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(Ts, parsed.Timestamp);
        Assert.Equal([new Signal(SignalKind.Motion, 0.5), new Signal(SignalKind.Fire, 0.25)], parsed.Signals);
    }

    [Fact]
    public void FieldOrderDoesNotMatter()
    {
        var parsed = Parse("""{"signals":[{"value":3,"kind":"report"}],"ts":1764161000123}""");

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(Ts, parsed.Timestamp);
        Assert.Equal([new Signal(SignalKind.Report, 3)], parsed.Signals);
    }

    [Fact]
    public void EscapedKindNameIsAccepted()
    {
        var parsed = Parse("""{"ts":1764161000123,"signals":[{"kind":"\u006dotion","value":0.25}]}""");

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal([new Signal(SignalKind.Motion, 0.25)], parsed.Signals);
    }

    [Fact]
    public void EscapedPropertyNamesAreAccepted()
    {
        var parsed = Parse("""{"\u0074s":1764161000123,"signal\u0073":[{"\u006bind":"impulse","v\u0061lue":1}]}""");

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(Ts, parsed.Timestamp);
        Assert.Equal([new Signal(SignalKind.Impulse, 1)], parsed.Signals);
    }

    [Theory]
    [InlineData("\\uDC00")]
    [InlineData("\\uD800")]
    [InlineData("\\uD800x")]
    [InlineData("\\uD800\\u0041")]
    [InlineData("\\uD800\\uD800")]
    [InlineData("t\\uDFFFs")]
    public void MemberNamedWithALoneSurrogateEscapeIsIgnoredLikeAnyUnknownMember(string name)
    {
        // Found by the fuzzer: the reader threw InvalidOperationException out of Parse for these grammatical names.
        var json = $$$"""{"{{{name}}}":1,"ts":1764161000123,"signals":[{"{{{name}}}":2,"kind":"motion","value":0.5}],"x":{"{{{name}}}":3}}""";

        var parsed = Parse(json);

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(Ts, parsed.Timestamp);
        Assert.Equal([new Signal(SignalKind.Motion, 0.5)], parsed.Signals);
    }

    [Fact]
    public void WhitespaceAroundTheRootIsAccepted()
    {
        var parsed = Parse(" \r\n\t" + Message(Signal("tamper", "1")) + " \n ");

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal([new Signal(SignalKind.Tamper, 1)], parsed.Signals);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(17)]
    [InlineData(40)]
    public void TwoSegmentPayloadParsesLikeTheContiguousOne(int cut)
    {
        var utf8 = Encoding.UTF8.GetBytes(Message(Signal("sound", "71.5"), Signal("impulse", "1"), Signal("people", "4")));
        var sequence = Segmented(utf8, cut);
        Assert.False(sequence.IsSingleSegment);
        Assert.Equal(utf8.Length, sequence.Length);

        var contiguous = Parse(utf8);
        var segmented = Parse(sequence);

        Assert.Equal(RejectReason.None, segmented.Reason);
        Assert.Equal(contiguous.Reason, segmented.Reason);
        Assert.Equal(contiguous.Timestamp, segmented.Timestamp);
        Assert.Equal(contiguous.Signals, segmented.Signals);
        Assert.Equal(
            [new Signal(SignalKind.Sound, 71.5), new Signal(SignalKind.Impulse, 1), new Signal(SignalKind.People, 4)],
            segmented.Signals);
    }

    [Theory]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":1.5}]}""", RejectReason.OutOfRange)]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"smoke","value":1}]}""", RejectReason.UnknownKind)]
    [InlineData("""{"ts":1764161000123,"signals":[]}""", RejectReason.SignalCount)]
    [InlineData("""{"ts":1764161000123,"signals":[{"kind":"motion","value":0.5}]}x""", RejectReason.NotJson)]
    [InlineData("""{"ts":"1764161000123","signals":[{"kind":"motion","value":0.5}]}""", RejectReason.BadShape)]
    public void TwoSegmentPayloadIsRejectedLikeTheContiguousOne(string json, RejectReason expected)
    {
        var utf8 = Encoding.UTF8.GetBytes(json);

        var segmented = Parse(Segmented(utf8, utf8.Length / 2));

        Assert.Equal(expected, segmented.Reason);
        Assert.Equal(Parse(utf8).Reason, segmented.Reason);
        Assert.Empty(segmented.Signals);
    }

    [Fact]
    public void ManySegmentPayloadOfExactly4096BytesIsAccepted()
    {
        var parsed = Parse(Segmented(Padded(SignalPayload.MaxBytes), 1000, 2000, 4095));

        Assert.Equal(RejectReason.None, parsed.Reason);
        Assert.Equal(Ts, parsed.Timestamp);
        Assert.Equal([new Signal(SignalKind.Motion, 0.5)], parsed.Signals);
    }

    [Fact]
    public void TwoSegmentPayloadOf4097BytesIsTooLarge()
    {
        var parsed = Parse(Segmented(Padded(SignalPayload.MaxBytes + 1), 2048));

        Assert.Equal(RejectReason.TooLarge, parsed.Reason);
        Assert.Empty(parsed.Signals);
    }

    [Fact]
    public void TwoSegmentFutureTimestampIsRejected()
    {
        var utf8 = Encoding.UTF8.GetBytes(Message(Now + SignalPayload.MaxFutureSkewMs + 1000, Signal("motion", "0.5")));

        Assert.Equal(RejectReason.FutureTimestamp, Parse(Segmented(utf8, 10)).Reason);
    }
}
