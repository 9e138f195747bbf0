namespace Pax.Live.Edge.Analysis;

/// <summary>
/// The median of the latest few counts: one missed or doubled detection does not move the published count, a real
/// change does within half the window.
/// </summary>
public sealed class MedianOfLatest(int size)
{
    private readonly int[] _latest = new int[size];
    private readonly int[] _sorted = new int[size];
    private int _count;
    private int _next;

    /// <summary>Adds a count and returns the median of the latest ones (the lower middle when their number is even).</summary>
    public int Add(int value)
    {
        _latest[_next] = value;
        _next = (_next + 1) % _latest.Length;
        _count = Math.Min(_count + 1, _latest.Length);
        Array.Copy(_latest, _sorted, _count);
        Array.Sort(_sorted, 0, _count);
        return _sorted[(_count - 1) / 2];
    }

    /// <summary>Forgets every count (the view was not to be trusted).</summary>
    public void Clear()
    {
        _count = 0;
        _next = 0;
    }
}
