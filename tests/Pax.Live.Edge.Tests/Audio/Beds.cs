namespace Pax.Live.Edge.Tests.Audio;

/// <summary>
/// The sounds of a place that are not bangs, made here: noise, Swedish and English speech (espeak-ng), music (notes,
/// a pad and a hi-hat from sox's synth, sequenced with seeded timing), traffic-like rumble, rain-like noise with drops,
/// and sirens (wail and hi-lo). Levels are RMS in dBFS; with the default calibration (120 dB SPL at full scale) −40
/// dBFS is 80 dB SPL.
/// </summary>
internal static class Beds
{
    private const int Rate = Sounds.Rate;

    private static readonly string[] Swedish =
    [
        "Hej och välkommen till Stora torget. Idag är det marknad och många människor handlar grönsaker, bröd och blommor.",
        "Bussen mot resecentrum går om fem minuter från hållplatsen vid kyrkan. Glöm inte att blippa kortet när du kliver på.",
        "Kan du komma hit en stund? Jag tror att vi har tappat bort nycklarna någonstans mellan kaféet och bokhandeln.",
        "Polisen och kommunen samarbetar för att göra stadskärnan trygg, både på dagen och på natten, året runt.",
        "Titta, där borta spelar någon gitarr! Ska vi köpa en glass och sätta oss på trappan vid fontänen?",
        "Nej, det är inte min cykel. Min är röd och har en korg fram, och den står alltid vid biblioteket.",
        "Tåget till Göteborg är försenat tjugo minuter på grund av ett signalfel. Vi ber om ursäkt för förseningen.",
    ];

    private static readonly string[] English =
    [
        "Good morning, and welcome to the square. The market opens at nine, and the cafés are already busy with people.",
        "Excuse me, do you know where the train station is? I think I took a wrong turn at the church back there.",
        "Look out! There's a bike coming. Sorry, sorry, I didn't see you there. Are you all right? Yes, I'm fine, thanks.",
        "Quick, quick, the bus is leaving! Hold the door, please! Thank you so much, that was close, wasn't it?",
        "Two coffees and a cinnamon bun, please. Cash or card? Card, please. Would you like a receipt? No thanks.",
        "Tickets for the concert tonight are still available at the box office, starting at eight o'clock sharp.",
        "Peter, Tom, Kate, stop it, put that down, it's not a toy. Can we go home now? Just five more minutes.",
    ];

    private static readonly string[] SwedishVoices = ["sv", "sv+m3", "sv+f2", "sv+f4"];
    private static readonly string[] EnglishVoices = ["en", "en-us", "en+f3", "en-gb-x-rp+m4"];
    private static readonly Dictionary<string, float[]> Notes = [];

    /// <summary>A bed of the given kind, <paramref name="seconds"/> long, its seed choosing the variation.</summary>
    public static float[] Make(string kind, int seconds, int seed) => kind switch
    {
        "noise" => Add(Noise(seconds, seed, -50), Rumble(seconds, seed, -48)),
        "speech-sv" => Add(Speech(Swedish, SwedishVoices, seconds, seed, -38), Noise(seconds, seed, -55)),
        "speech-en" => Add(Speech(English, EnglishVoices, seconds, seed, -36), Noise(seconds, seed, -55)),
        "shouting" => Add(Speech(English, EnglishVoices, seconds, seed, -28, pitch: 80, wordsPerMinute: 190), Noise(seconds, seed, -50)),
        "music" => Add(Music(seconds, seed, -35), Noise(seconds, seed, -55)),
        "traffic" => Add(Rumble(seconds, seed, -34), Noise(seconds, seed, -50)),
        "rain" => Rain(seconds, seed, -48),
        "sirens" => Add(Siren(seconds, seed, -30), Rumble(seconds, seed, -40)),
        "street" => Add(Add(Speech(seed % 2 == 0 ? Swedish : English, seed % 2 == 0 ? SwedishVoices : EnglishVoices, seconds, seed, -40), Music(seconds, seed + 7, -42)), Rumble(seconds, seed, -42)),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no such bed"),
    };

    private static float[] Add(float[] a, float[] b)
    {
        for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            a[i] += b[i];
        }

        return a;
    }

    private static float[] Fit(float[] sound, int seconds)
    {
        var fitted = new float[seconds * Rate];
        for (var i = 0; i < fitted.Length && sound.Length > 0; i++)
        {
            fitted[i] = sound[i % sound.Length];
        }

        return fitted;
    }

    private static float[] Noise(int seconds, int seed, double dbfs) =>
        Sounds.AtRms(Fit(Sounds.Synth($"synth {seconds} pinknoise", $"gain -10 lowpass 6000"), seconds), dbfs + (seed % 3));

    private static float[] Rumble(int seconds, int seed, double dbfs) =>
        // Brown noise under 300 Hz, swelling and fading as vehicles pass.
        Sounds.AtRms(Fit(Sounds.Synth($"synth {seconds} brownnoise", FormattableString.Invariant($"lowpass 300 tremolo {0.05 + (seed % 5 * 0.02)} 70")), seconds), dbfs);

    private static float[] Speech(string[] texts, string[] voices, int seconds, int seed, double dbfs, int pitch = -1, int wordsPerMinute = -1)
    {
        var random = new Random(seed);
        var speech = new List<float>();
        while (speech.Count < seconds * Rate)
        {
            var text = texts[random.Next(texts.Length)] + " " + texts[random.Next(texts.Length)];
            var voice = voices[random.Next(voices.Length)];
            var words = Sounds.Speech(voice, text, wordsPerMinute > 0 ? wordsPerMinute : 130 + random.Next(60), pitch >= 0 ? pitch : 25 + random.Next(50));
            speech.AddRange(words);
            speech.AddRange(new float[random.Next(Rate / 5, Rate * 2)]);
        }

        return Sounds.AtRms(Fit([.. speech], seconds), dbfs);
    }

    private static float[] Music(int seconds, int seed, double dbfs)
    {
        // Plucked notes of a few chords, a sustained pad and a hi-hat, at a tempo the seed picks.
        var random = new Random(seed);
        string[][] chords = [["C3", "E4", "G4"], ["A2", "C4", "E4"], ["F2", "A3", "C4"], ["G2", "B3", "D4"]];
        var music = new float[seconds * Rate];
        var beat = (int)(Rate * (0.3 + (random.NextDouble() * 0.25)));
        var pad = Note("pad", "synth 4 sine C3 sine G3 sine E4", "tremolo 3 30 fade 0.5 4 0.8 gain -12");
        var hat = Note("hat", "synth 0.06 whitenoise", "highpass 6000 fade 0 0.06 0.05 gain -18");
        for (int at = 0, i = 0; at < music.Length; at += beat, i++)
        {
            var chord = chords[i / 8 % chords.Length];
            var note = Note("pluck-" + chord[i % 3], $"synth 1.2 pluck {chord[i % 3]}", "fade 0 1.2 0.6 gain -6");
            Sounds.Mix(music, Scaled(note, 0.5 + (random.NextDouble() * 0.5)), at);
            if (i % 2 == 1)
            {
                Sounds.Mix(music, hat, at);
            }

            if (i % 8 == 0)
            {
                Sounds.Mix(music, pad, at);
            }
        }

        return Sounds.AtRms(music, dbfs);
    }

    private static float[] Rain(int seconds, int seed, double dbfs)
    {
        // Hiss above 1 kHz and drops on the paving: a few hundred small decaying ticks a second, of random size (the
        // loudest about 15 dB over the hiss). Drops on the microphone itself are not modelled: it needs a rain hood.
        var random = new Random(seed);
        var rain = Sounds.AtRms(Fit(Sounds.Synth($"synth {seconds} whitenoise", "highpass 1000 lowpass 9000"), seconds), dbfs - 3);
        var scale = Math.Pow(10, dbfs / 20);
        for (var at = 0; at < rain.Length; at += 1 + (int)(-Math.Log(1 - random.NextDouble()) * Rate / 300))
        {
            var size = scale * Math.Exp(Sounds.Gaussian(random) * 0.5);
            var frequency = 2000 + (random.NextDouble() * 4000);
            for (var k = 0; k < 96 && at + k < rain.Length; k++)
            {
                rain[at + k] += (float)(size * Math.Sin(2 * Math.PI * frequency * k / Rate) * Math.Exp(-k / 12.0));
            }
        }

        return Sounds.AtRms(rain, dbfs);
    }

    private static float[] Siren(int seconds, int seed, double dbfs)
    {
        // Wail (650–1350 Hz over 4 s) and hi-lo (700/950 Hz, 0.6 s each), with harmonics, approaching and receding.
        var siren = new float[seconds * Rate];
        double phase = 0;
        for (var i = 0; i < siren.Length; i++)
        {
            var t = (double)i / Rate;
            var hiLo = (int)(t / 20) % 2 == (seed % 2);
            var f = hiLo ? ((int)(t / 0.6) % 2 == 0 ? 700 : 950) : 1000 + (350 * Math.Sin(2 * Math.PI * t / 4));
            phase += 2 * Math.PI * f / Rate;
            var pass = 0.3 + (0.7 * Math.Pow(Math.Sin(Math.PI * t / 40 % Math.PI), 2));
            siren[i] = (float)(pass * (Math.Sin(phase) + (0.4 * Math.Sin(2 * phase)) + (0.2 * Math.Sin(3 * phase))));
        }

        return Sounds.AtRms(siren, dbfs);
    }

    private static float[] Scaled(float[] sound, double gain)
    {
        var scaled = new float[sound.Length];
        for (var i = 0; i < sound.Length; i++)
        {
            scaled[i] = (float)(sound[i] * gain);
        }

        return scaled;
    }

    private static float[] Note(string name, string synth, string effects)
    {
        lock (Notes)
        {
            if (!Notes.TryGetValue(name, out var note))
            {
                note = Sounds.Synth(synth, effects);
                Notes[name] = note;
            }

            return note;
        }
    }
}
