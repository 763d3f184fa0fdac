using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Catalogue;

/// <summary>
/// x^2, the catalogue's activation for S2Activation and SO3Activation: the square of a band-limited signal stays
/// band-limited, so the grids' quadrature is exact and the equivariance check holds to rounding (partial: the
/// generator twins its forward for tracing).
/// </summary>
public sealed partial class SquareActivation : nn.Module<Tensor, Tensor>
{
    /// <summary>Creates the activation.</summary>
    public SquareActivation() : base(nameof(SquareActivation))
    {
    }

    /// <summary>Squares elementwise.</summary>
    /// <param name="x">Any tensor.</param>
    public override Tensor forward(Tensor x) => x.square();
}
