using E3Sharp.O3;

namespace E3Sharp.Samples.Potential.Model.Allegro;

/// <summary>
/// Index maps that turn per-edge channel weights <c>w[e, l·C + u]</c> (one weight per channel u and harmonic irrep
/// l) and edge harmonics <c>Y[e, (l, m)]</c> into equivariant edge features <c>w_{e,u,l} Y_{e,l,m}</c> laid out as the
/// irreps <c>C x ir_0 + C x ir_1 + ...</c> (channel-major within each irrep): <c>w.index_select(1, WeightIndex) *
/// Y.index_select(1, HarmonicIndex)</c>, two gathers and a product that script and differentiate simply.
/// </summary>
public static class ChannelHarmonics
{
    /// <summary>The two index maps (each of length <c>C · Y.Dim</c>).</summary>
    /// <param name="harmonics">Irreps of the edge harmonics.</param>
    /// <param name="channels">Channels C.</param>
    public static (long[] WeightIndex, long[] HarmonicIndex) Indices(Irreps harmonics, int channels)
    {
        ArgumentNullException.ThrowIfNull(harmonics);
        var weight = new List<long>();
        var harmonic = new List<long>();
        var offset = 0;
        for (var l = 0; l < harmonics.Length; l++)
        {
            var (mul, ir) = (harmonics[l].Mul, harmonics[l].Ir);
            if (mul != 1)
            {
                throw new ArgumentException($"ChannelHarmonics: each harmonic irrep must appear once, got {harmonics}.",
                    nameof(harmonics));
            }

            for (var u = 0; u < channels; u++)
            {
                for (var m = 0; m < ir.Dim; m++)
                {
                    weight.Add(l * channels + u);
                    harmonic.Add(offset + m);
                }
            }

            offset += ir.Dim;
        }

        return (weight.ToArray(), harmonic.ToArray());
    }
}
