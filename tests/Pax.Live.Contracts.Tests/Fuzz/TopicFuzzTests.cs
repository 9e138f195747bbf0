using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>
/// Hostile topics and status payloads (issue 8): <see cref="Topic.TryParse"/>, <see cref="Ids.IsValid"/> and
/// <see cref="DeviceStatus.TryParse"/> never throw, allocate nothing, and agree with the grammar of docs/protocol.md
/// section 2 written as regular expressions.
/// </summary>
public sealed partial class TopicFuzzTests(ITestOutputHelper output)
{
    // The grammar of 2.2, with \z where the document writes $: in .NET, $ also matches before a final "\n", and a
    // topic ending in a newline is not a valid topic.
    [GeneratedRegex(@"^pax/v1/(?<place>[a-z0-9][a-z0-9-]{0,63})/(?<device>[a-z0-9][a-z0-9-]{0,63})/(?<leaf>signals|status)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidTopic();

    // "The server splits what follows pax/v1/ at the first two /. The rest must be exactly signals or status."
    [GeneratedRegex(@"^pax/v1/[^/]*/[^/]*/(signals|status)\z", RegexOptions.CultureInvariant)]
    private static partial Regex TopicShape();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,63}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ValidId();

    /// <summary>Characters that are valid in ids, weighted up, and characters that look or sort close to them.</summary>
    private static readonly string IdAlphabet =
        "abcdefghijklmnopqrstuvwxyz0123456789---abcxyz019" + "AZ_. +#/\0\né\u212A\uFF41\u0430\u00AD\uD800\uDC00`{[@:";

    private static readonly string[] Leaves =
        [
            "signals", "status", "signals", "status", "signals", "status", "signals", "status", "signals", "status",
            "Signals", "signal", "statuss", "status/", "", "command", "signals/x", "#", "+", "signals\n",
        ];

    [Fact]
    public void FuzzedTopicsParseExactlyAsTheGrammarSays()
    {
        var run = new FuzzRun(nameof(FuzzedTopicsParseExactlyAsTheGrammarSays), salt: 10);
        var cases = FuzzRun.Cases(12_000);
        var reasons = new int[RejectReasons.Count];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < cases; i++)
        {
            var (origin, topic) = (i % 4) switch
            {
                0 or 1 => ("structured", StructuredTopic(run.Random)),
                2 => ("random", RandomText(run.Random, run.Random.Next(160))),
                _ => ("mutated", MutatedTopic(run.Random)),
            };
            reasons[(int)CheckTopic(run, i, origin, topic)]++;
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed {FuzzRun.Seed}: {cases} topics in {clock.ElapsedMilliseconds} ms; none {reasons[0]}, topic {reasons[(int)RejectReason.Topic]}, bad_id {reasons[(int)RejectReason.BadId]}"));
        run.AssertNoFailures();

        // Not vacuous: every verdict is reached often.
        Assert.True(reasons[(int)RejectReason.None] > cases / 20);
        Assert.True(reasons[(int)RejectReason.BadId] > cases / 20);
        Assert.True(reasons[(int)RejectReason.Topic] > cases / 20);
    }

    [Fact]
    public void SeedTopicsParseExactlyAsTheGrammarSays()
    {
        var run = new FuzzRun(nameof(SeedTopicsParseExactlyAsTheGrammarSays), salt: 11);
        Assert.NotEmpty(Corpus.Topics);
        for (var i = 0; i < Corpus.Topics.Count; i++)
        {
            CheckTopic(run, i, "corpus", Corpus.Topics[i]);
        }

        run.AssertNoFailures();
    }

    [Fact]
    public void FuzzedIdsAreValidExactlyWhenTheGrammarSaysSo()
    {
        var run = new FuzzRun(nameof(FuzzedIdsAreValidExactlyWhenTheGrammarSaysSo), salt: 12);
        var cases = FuzzRun.Cases(20_000);
        for (var i = 0; i < cases; i++)
        {
            var id = RandomId(run.Random);
            bool valid;
            try
            {
                valid = Ids.IsValid(id);
            }
            catch (Exception exception)
            {
                run.Fail(i, "id", $"{exception.GetType().Name} escaped", id);
                continue;
            }

            if (valid != ValidId().IsMatch(id))
            {
                run.Fail(i, "id", $"Ids.IsValid says {valid}, the grammar {!valid}", id);
            }
        }

        run.AssertNoFailures();
    }

    [Fact]
    public void FuzzedStatusPayloadsAreAcceptedOnlyAsTheTwoWords()
    {
        var run = new FuzzRun(nameof(FuzzedStatusPayloadsAreAcceptedOnlyAsTheTwoWords), salt: 13);
        var cases = FuzzRun.Cases(10_000);
        var accepted = 0;
        var inputs = new List<byte[]>();
        foreach (var (_, bytes) in Corpus.Status)
        {
            inputs.Add(bytes);
        }

        for (var i = 0; i < cases; i++)
        {
            inputs.Add(RandomStatus(run.Random));
        }

        for (var i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            RejectReason reason;
            bool online;
            try
            {
                reason = DeviceStatus.TryParse(input, out online);
            }
            catch (Exception exception)
            {
                run.Fail(i, "status", $"{exception.GetType().Name} escaped", input);
                continue;
            }

            // Section 2.3: the bare ASCII words, nothing around them.
            var expected = input.AsSpan().SequenceEqual("online"u8) || input.AsSpan().SequenceEqual("offline"u8)
                ? RejectReason.None
                : RejectReason.BadStatus;
            if (reason != expected || online != (expected == RejectReason.None && input.Length == 6))
            {
                run.Fail(i, "status", $"{reason.Name()} online={online}, expected {expected.Name()}", input);
            }

            accepted += reason == RejectReason.None ? 1 : 0;
        }

        run.AssertNoFailures();
        Assert.True(accepted > cases / 20, $"only {accepted} accepted");
    }

    [Fact]
    public void ParsingFuzzedTopicsAndStatusesAllocatesNothing()
    {
        var run = new FuzzRun(nameof(ParsingFuzzedTopicsAndStatusesAllocatesNothing), salt: 14);
        var topics = new string[FuzzRun.Cases(3000)];
        var statuses = new byte[topics.Length][];
        for (var i = 0; i < topics.Length; i++)
        {
            topics[i] = i % 2 == 0 ? StructuredTopic(run.Random) : MutatedTopic(run.Random);
            statuses[i] = RandomStatus(run.Random);
        }

        ParseAll(topics, statuses);
        var before = GC.GetAllocatedBytesForCurrentThread();
        var accepted = ParseAll(topics, statuses);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(accepted > 0);
        Assert.Equal(0, allocated);
    }

    private static int ParseAll(string[] topics, byte[][] statuses)
    {
        var accepted = 0;
        for (var i = 0; i < topics.Length; i++)
        {
            accepted += Topic.TryParse(topics[i], out _) == RejectReason.None ? 1 : 0;
            accepted += DeviceStatus.TryParse(statuses[i], out _) == RejectReason.None ? 1 : 0;
        }

        return accepted;
    }

    private static RejectReason CheckTopic(FuzzRun run, int caseIndex, string origin, string text)
    {
        RejectReason reason;
        Topic topic;
        try
        {
            reason = Topic.TryParse(text, out topic);
        }
        catch (Exception exception)
        {
            run.Fail(caseIndex, origin, $"{exception.GetType().Name} escaped: {exception.Message}", text);
            return RejectReason.None;
        }

        var match = ValidTopic().Match(text);
        var expected = match.Success ? RejectReason.None : TopicShape().IsMatch(text) ? RejectReason.BadId : RejectReason.Topic;
        if (reason != expected)
        {
            run.Fail(caseIndex, origin, $"{reason.Name()}, the grammar says {expected.Name()}", text);
            return reason;
        }

        if (reason != RejectReason.None)
        {
            if (topic != default)
            {
                run.Fail(caseIndex, origin, $"rejected as {reason.Name()} but parts reported: {topic}", text);
            }

            return reason;
        }

        var place = text[topic.Place];
        var device = text[topic.Device];
        var kind = match.Groups["leaf"].Value == "signals" ? TopicKind.Signals : TopicKind.Status;
        var rebuilt = kind == TopicKind.Signals ? Topic.Signals(place, device) : Topic.Status(place, device);
        if (place != match.Groups["place"].Value || device != match.Groups["device"].Value || topic.Kind != kind || rebuilt != text)
        {
            run.Fail(caseIndex, origin, $"parsed as {topic.Kind} place '{place}' device '{device}'", text);
        }

        return reason;
    }

    private static string StructuredTopic(Random random)
    {
        var topic = new StringBuilder();
        topic.Append(random.Next(25) switch
        {
            0 => Pick(random, ["pax/v2/", "PAX/v1/", "pax/v1", "/pax/v1/", "pax//v1/", "pax/V1/", "pax/v1//", ""]),
            _ => "pax/v1/",
        });
        topic.Append(RandomId(random)).Append('/').Append(RandomId(random));
        if (random.Next(25) == 0)
        {
            topic.Append('/').Append(RandomId(random));
        }

        if (random.Next(30) != 0)
        {
            topic.Append('/').Append(Pick(random, Leaves));
        }

        return topic.ToString();
    }

    /// <summary>Mostly valid ids of every length up to the limit and just past it; a third with one stranger character.</summary>
    private static string RandomId(Random random)
    {
        var length = random.Next(10) switch
        {
            0 => random.Next(62, 67),
            1 => random.Next(3),
            _ => 1 + random.Next(12),
        };
        var id = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            id.Append(IdAlphabet[random.Next(38)]);
        }

        if (length > 0 && random.Next(3) == 0)
        {
            id[random.Next(length)] = IdAlphabet[random.Next(IdAlphabet.Length)];
        }

        return id.ToString();
    }

    private static string RandomText(Random random, int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(random.Next(4) == 0 ? '/' : random.Next(10) == 0 ? (char)random.Next(char.MaxValue + 1) : IdAlphabet[random.Next(IdAlphabet.Length)]);
        }

        return text.ToString();
    }

    private static string MutatedTopic(Random random)
    {
        var text = new StringBuilder(Corpus.Topics[random.Next(Corpus.Topics.Count)]);
        var rounds = 1 + random.Next(3);
        for (var round = 0; round < rounds; round++)
        {
            var at = random.Next(text.Length + 1);
            switch (random.Next(6))
            {
                case 0:
                    text.Insert(at, random.Next(3) == 0 ? '/' : IdAlphabet[random.Next(IdAlphabet.Length)]);
                    break;
                case 1 when at < text.Length:
                    text.Remove(at, 1);
                    break;
                case 2 when at < text.Length:
                    text[at] = IdAlphabet[random.Next(IdAlphabet.Length)];
                    break;
                case 3 when at < text.Length:
                    text[at] = char.IsAsciiLetterLower(text[at]) ? char.ToUpperInvariant(text[at]) : text[at];
                    break;
                case 4:
                    var other = Corpus.Topics[random.Next(Corpus.Topics.Count)];
                    text.Length = at;
                    text.Append(other.AsSpan(random.Next(other.Length + 1)));
                    break;
                default:
                    text.Insert(at, text.ToString(at, Math.Min(text.Length - at, random.Next(1, 70))));
                    break;
            }
        }

        return text.ToString();
    }

    private static byte[] RandomStatus(Random random)
    {
        var word = random.Next(4) switch
        {
            0 => "online"u8.ToArray(),
            1 => "offline"u8.ToArray(),
            2 => Corpus.Status[random.Next(Corpus.Status.Count)].Bytes,
            _ => Encoding.UTF8.GetBytes(RandomText(random, random.Next(10))),
        };
        var other = random.Next(2) == 0 ? "online"u8.ToArray() : "offline"u8.ToArray();
        return random.Next(5) == 0 ? word : Mutator.Mutate(random, word, other, out _);
    }

    private static T Pick<T>(Random random, T[] items) => items[random.Next(items.Length)];
}
