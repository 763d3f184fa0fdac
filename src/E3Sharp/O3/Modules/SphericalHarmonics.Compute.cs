using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

public partial class SphericalHarmonics
{
    /// <summary>
    /// The functional spherical harmonics, e3nn's <c>o3.spherical_harmonics(l, x, normalize, normalization)</c>:
    /// the blocks <c>Y^l(x)</c> of the degrees <paramref name="ls"/>, concatenated in order (see
    /// <see cref="SphericalHarmonicsMath.Compute(IReadOnlyList{int}, Tensor, bool, string)"/>, which a traced forward
    /// calls directly: that class is [Traceable]).
    /// </summary>
    /// <param name="ls">Degrees (repeats allowed).</param>
    /// <param name="x">Vectors <c>[..., 3]</c> (floating).</param>
    /// <param name="normalize">Whether to normalise <paramref name="x"/> first (zero stays zero).</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    /// <returns><c>[..., sum(2l+1)]</c>.</returns>
    /// <example>
    /// <code>
    /// var sh = SphericalHarmonics.Compute(new[] { 0, 1, 2 }, edgeVectors, normalize: true, normalization: "component");
    /// </code>
    /// </example>
    public static Tensor Compute(IReadOnlyList<int> ls, Tensor x, bool normalize, string normalization = "integral") =>
        SphericalHarmonicsMath.Compute(ls, x, normalize, normalization);

    /// <summary>The functional spherical harmonics of one degree <paramref name="l"/> (e3nn's
    /// <c>o3.spherical_harmonics(l, x, ...)</c> with an int): <c>[..., 2l+1]</c>.</summary>
    /// <param name="l">Degree.</param>
    /// <param name="x">Vectors <c>[..., 3]</c>.</param>
    /// <param name="normalize">Whether to normalise <paramref name="x"/> first.</param>
    /// <param name="normalization"><c>"integral"</c> (default), <c>"component"</c> or <c>"norm"</c>.</param>
    public static Tensor Compute(int l, Tensor x, bool normalize, string normalization = "integral") =>
        SphericalHarmonicsMath.Compute(l, x, normalize, normalization);
}
