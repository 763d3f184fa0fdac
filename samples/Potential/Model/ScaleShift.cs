using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Potential.Model;

/// <summary>
/// Sets the per-species energy scale and shifts both models apply last (<c>E_i = scale · out_i + shift[type_i]</c>),
/// in their buffers <c>scale</c> <c>[1]</c> and <c>shifts</c> <c>[species]</c> (from training data statistics).
/// </summary>
internal static class ScaleShift
{
    /// <summary>Writes the scale and the shifts into the buffers, without recording gradients.</summary>
    /// <param name="owner">The model's name, for the message.</param>
    /// <param name="scaleBuffer">The model's <c>scale</c> buffer <c>[1]</c>.</param>
    /// <param name="shiftsBuffer">The model's <c>shifts</c> buffer, one per species.</param>
    /// <param name="scale">Multiplies the network output (eV).</param>
    /// <param name="shifts">Energy per species (eV), one per species.</param>
    public static void Set(string owner, Tensor scaleBuffer, Tensor shiftsBuffer, double scale,
        IReadOnlyList<double> shifts)
    {
        ArgumentNullException.ThrowIfNull(shifts);
        if (shifts.Count != shiftsBuffer.shape[0])
        {
            throw new ArgumentException(
                $"{owner}: {shifts.Count} shifts given for {shiftsBuffer.shape[0]} species.", nameof(shifts));
        }

        using var noGrad = no_grad();
        using var scaleScalar = scale.ToScalar();
        scaleBuffer.fill_(scaleScalar);
        shiftsBuffer.copy_(tensor(shifts.ToArray(), dtype: shiftsBuffer.dtype));
    }
}
