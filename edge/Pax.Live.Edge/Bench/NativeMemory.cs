using System.Runtime.InteropServices;

namespace Pax.Live.Edge.Bench;

/// <summary>
/// The C heap as glibc's <c>mallinfo2</c> sees it: OpenCV allocates Mat buffers with malloc, large ones as mmapped
/// blocks, so a leak of native buffers shows here even when the managed heap is flat.
/// </summary>
public static partial class NativeMemory
{
    /// <summary>A snapshot: bytes in use from the arenas, and the mmapped blocks (count and bytes).</summary>
    public readonly record struct Snapshot(long HeapBytes, long MappedBlocks, long MappedBytes, long ResidentBytes)
    {
        /// <summary>Bytes in native use, arenas plus mmapped blocks.</summary>
        public long NativeBytes => HeapBytes + MappedBytes;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, OrdBlks, SmBlks, HBlks, HBlkHd, UsmBlks, FsmBlks, UordBlks, FordBlks, KeepCost;
    }

    [DllImport("libc", EntryPoint = "mallinfo2")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern MallInfo2 MallInfo();

    /// <summary>Takes a snapshot now.</summary>
    public static Snapshot Take()
    {
        var info = MallInfo();
        return new Snapshot((long)info.UordBlks, (long)info.HBlks, (long)info.HBlkHd, Environment.WorkingSet);
    }
}
