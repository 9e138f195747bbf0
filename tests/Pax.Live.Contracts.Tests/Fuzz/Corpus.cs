using System.Text;

namespace Pax.Live.Contracts.Tests.Fuzz;

/// <summary>The seed inputs under <c>Fuzz/corpus/</c>, copied next to the test assembly.</summary>
internal static class Corpus
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Fuzz", "corpus");

    /// <summary>Signals payloads by file name (without <c>.payload</c>), in ordinal order of the name.</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Signals { get; } = Load("signals");

    /// <summary>Status payloads by file name.</summary>
    public static IReadOnlyList<(string Name, byte[] Bytes)> Status { get; } = Load("status");

    /// <summary>Topics, one a line.</summary>
    public static IReadOnlyList<string> Topics { get; } =
        File.ReadAllText(Path.Combine(Root, "topics.txt"), Encoding.UTF8).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    private static (string Name, byte[] Bytes)[] Load(string folder)
    {
        var files = Directory.GetFiles(Path.Combine(Root, folder), "*.payload");
        Array.Sort(files, StringComparer.Ordinal);
        var entries = new (string Name, byte[] Bytes)[files.Length];
        for (var i = 0; i < files.Length; i++)
        {
            entries[i] = (Path.GetFileNameWithoutExtension(files[i]), File.ReadAllBytes(files[i]));
        }

        return entries;
    }
}
