using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// A module whose tensor inputs and output are irreps-valued features (e3nn's <c>irreps_in</c> / <c>irreps_out</c>).
/// Tools use it to build random inputs (<see cref="ITracingInputs.MakeTracingInputs"/>, equivariance checks).
/// </summary>
/// <remarks>
/// The default <see cref="ITracingInputs.MakeTracingInputs"/> draws, for each input tuple, one random batch size in
/// <c>1..8</c> shared by all arguments, and <c>IrrepsIn[k].Randn(batch, -1)</c> for argument <c>k</c>, in the dtype
/// and on the device of the module's first floating parameter (else first floating buffer, else the default dtype
/// and the CPU).
/// </remarks>
public interface IIrrepsModule : ITracingInputs
{
    /// <summary>The irreps of each tensor argument of <c>forward</c>, in order.</summary>
    IReadOnlyList<Irreps> IrrepsIn { get; }

    /// <summary>The irreps of the output (for modules with several outputs: their concatenation).</summary>
    Irreps IrrepsOut { get; }

    /// <summary>The irreps of each output tensor, in order (one entry unless the module returns several tensors).</summary>
    IReadOnlyList<Irreps> IrrepsOuts => new[] { IrrepsOut };

    IReadOnlyList<Tensor[]> ITracingInputs.MakeTracingInputs(int n) => IrrepsModuleInputs.MakeRandomInputs(this, n);

    /// <summary>Irreps fix the last dimension of every input.</summary>
    bool ITracingInputs.FixedLastDimension => true;
}
