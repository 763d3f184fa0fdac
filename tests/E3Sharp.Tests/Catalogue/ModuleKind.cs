using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Catalogue;

/// <summary>
/// One module kind of the catalogue: the public module type it covers, the configurations it is built in, and the
/// e3nn references it has. Every check of <see cref="CatalogueTests"/> runs each variant through every
/// <see cref="Runner"/>; a check that cannot apply to a kind says why (<see cref="NotEquivariant"/>, ...).
/// </summary>
public sealed record ModuleKind(Type Type, IReadOnlyList<Variant> Variants)
{
    /// <summary>Outputs of e3nn 0.5.6 for this kind (Data/reference), each run by every runner.</summary>
    public IReadOnlyList<ReferenceCase> References { get; init; } = [];

    /// <summary>Why the equivariance check does not apply (null: it applies).</summary>
    public string? NotEquivariant { get; init; }

    /// <summary>Why the gradient check does not apply (null: it applies).</summary>
    public string? NoGradient { get; init; }

    /// <summary>Why the bad-input check does not apply (null: it applies).</summary>
    public string? NoBadInput { get; init; }

    /// <summary>The kind's name: the type's name, after its folder for e3nn's example models (GatePoints2101 and
    /// GatePoints2106 both have a Convolution).</summary>
    public string Name => Type.Namespace is { } ns && ns.StartsWith(ModelsNamespace, StringComparison.Ordinal)
        ? ns[ModelsNamespace.Length..] + "." + Type.Name
        : Type.Name;

    private const string ModelsNamespace = "E3Sharp.Nn.Models.";
}

/// <summary>
/// One configuration of a module kind.
/// </summary>
/// <param name="Name">Short name, unique within the kind ("default", "biases", ...).</param>
/// <param name="Make">Builds the module in a floating dtype (deterministic: the catalogue seeds torch first).</param>
/// <param name="Inputs">Makes inputs for a module built by <paramref name="Make"/> (null: the module's own
/// <c>ITracingInputs</c>, batch 3, in its dtype).</param>
/// <param name="IrrepsIn">Irreps of each input for the equivariance check (null: the module's
/// <see cref="IIrrepsModule.IrrepsIn"/>, extra inputs such as per-sample weights not transformed).</param>
/// <param name="IrrepsOut">Irreps of each output (null: the module's <see cref="IIrrepsModule.IrrepsOuts"/>).</param>
/// <param name="BadInputs">Makes inputs the module must refuse from good ones (null: the first input with one
/// feature too many in its last dimension).</param>
public sealed record Variant(
    string Name,
    Func<ScalarType, nn.Module> Make,
    Func<nn.Module, ScalarType, Tensor[]>? Inputs = null,
    Irreps?[]? IrrepsIn = null,
    Irreps?[]? IrrepsOut = null,
    Func<Tensor[], Tensor[]>? BadInputs = null);

/// <summary>
/// An e3nn reference: a module with e3nn's weights, inputs and e3nn's outputs, in one dtype.
/// </summary>
/// <param name="Module">The module (weights set from the reference).</param>
/// <param name="Inputs">The reference inputs.</param>
/// <param name="Expected">e3nn's outputs.</param>
/// <param name="Tolerance">Largest absolute difference allowed.</param>
public sealed record ReferenceData(nn.Module Module, Tensor[] Inputs, Tensor[] Expected, double Tolerance);

/// <summary>A named reference of a kind, loadable in float32 and float64.</summary>
/// <param name="Name">Unique within the kind.</param>
/// <param name="Load">Builds the reference data in a dtype.</param>
/// <param name="Dtypes">The dtypes e3nn's numbers exist for (default: both).</param>
public sealed record ReferenceCase(string Name, Func<ScalarType, ReferenceData> Load, ScalarType[]? Dtypes = null);

/// <summary>The ways a module runs.</summary>
public enum Runner
{
    /// <summary>The C# module's forward.</summary>
    Eager,

    /// <summary><c>TorchScript.Compile</c>'s ScriptModule.</summary>
    Compiled,

    /// <summary>Compiled, saved with <c>TorchScript.Save</c> and loaded back with <c>torch.jit.load</c>.</summary>
    SavedLoaded,

    /// <summary>The saved archive, loaded and run by PyTorch 1.13 (tests/interop/run_interop.py checks the case the
    /// test writes to <c>$E3SHARP_INTEROP_DIR</c>; in .NET the case is checked on the loaded archive first).</summary>
    PyTorch,
}
