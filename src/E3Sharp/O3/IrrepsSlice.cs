namespace E3Sharp.O3;

/// <summary>
/// The half-open index range <c>[Start, Stop)</c> along the feature dimension occupied by one entry of an
/// <see cref="Irreps"/> (e3nn's <c>slice(start, stop)</c> from <c>Irreps.slices()</c>).
/// </summary>
/// <param name="Start">First index (inclusive).</param>
/// <param name="Stop">End index (exclusive).</param>
public readonly record struct IrrepsSlice(int Start, int Stop)
{
    /// <summary>Number of indices, <c>Stop - Start</c> (the length to pass to <c>narrow</c>).</summary>
    public int Length => Stop - Start;

    /// <summary>The equivalent <see cref="System.Range"/>.</summary>
    public Range ToRange() => new(Start, Stop);

    /// <summary>Converts to a <see cref="System.Range"/>.</summary>
    public static implicit operator Range(IrrepsSlice slice) => slice.ToRange();

    /// <summary>Python form, e.g. <c>"slice(0, 2)"</c>.</summary>
    public override string ToString() => $"slice({Start}, {Stop})";
}
