using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>
/// A module that can make its own example inputs for tracing (e3nn's <c>_make_tracing_inputs</c>).
/// O3 modules implement it from their input irreps; a module with special inputs (index tensors, say) implements it
/// itself.
/// </summary>
public interface ITracingInputs
{
    /// <summary>Makes <paramref name="n"/> input tuples (at least one), each holding the forward's tensor arguments in order.</summary>
    /// <param name="n">How many input tuples are wanted: the first is traced, the rest check the trace. Only a hint.</param>
    IReadOnlyList<torch.Tensor[]> MakeTracingInputs(int n);

    /// <summary>
    /// Whether the last dimension of every tensor input is an architecture constant (true for inputs described by
    /// irreps). When true, the traced code rejects inputs whose last dimension differs from the traced one; a module
    /// whose example inputs vary in their last dimension (e3nn's <c>TracingModule</c>) leaves it false.
    /// </summary>
    bool FixedLastDimension => false;

    /// <summary>
    /// Example inputs for an exported method of a traced module (<see cref="Scripting.ExportAttribute"/>, e3nn's
    /// compiled <c>right</c>): the method is traced on them and added to the compiled class under its export name.
    /// Null (the default): the method is not compiled.
    /// </summary>
    /// <param name="exportName">The TorchScript name of the exported method.</param>
    IReadOnlyList<torch.Tensor>? MakeExportInputs(string exportName) => null;

    /// <summary>
    /// Which dimensions of an exported method's example input are free (sizes that follow the caller's tensors, such
    /// as the number of edges in an edge index <c>[2, E]</c>), or null for the forward's rule: every dimension but the
    /// last when <see cref="FixedLastDimension"/>. A fixed last dimension is checked by the compiled method.
    /// </summary>
    /// <param name="exportName">The TorchScript name of the exported method.</param>
    /// <param name="index">The argument's position.</param>
    bool[]? ExportFreeDimensions(string exportName, int index) => null;
}
