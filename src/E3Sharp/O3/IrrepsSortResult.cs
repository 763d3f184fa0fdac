namespace E3Sharp.O3;

/// <summary>
/// Result of <see cref="Irreps.Sort"/> (e3nn's named tuple <c>(irreps, p, inv)</c>).
/// </summary>
/// <param name="Irreps">The sorted irreps.</param>
/// <param name="P">Permutation: entry <c>i</c> of the original irreps moves to position <c>P[i]</c>.</param>
/// <param name="Inv">Inverse permutation: position <c>j</c> of the sorted irreps holds original entry <c>Inv[j]</c>.</param>
public sealed record IrrepsSortResult(Irreps Irreps, int[] P, int[] Inv);
