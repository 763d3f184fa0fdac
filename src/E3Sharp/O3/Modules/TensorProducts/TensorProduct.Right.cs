using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3.Modules;

// e3nn's compile_right: the compiled module's second method `right`.
public partial class TensorProduct
{
    /// <summary>
    /// Whether the compiled module also has the method <c>right(y)</c> (with external weights <c>right(y, weight)</c>),
    /// <see cref="Right(Tensor, Tensor?)"/> compiled, as e3nn's <c>compile_right=True</c>. Default false (e3nn's).
    /// </summary>
    public bool CompileRight { get; set; }

    // The exported forms of Right, one per arity: the tracer picks the one its example inputs fit.
    [Export(Name = "right")]
    private Tensor RightExport(Tensor y) => Right(y, null);

    [Export(Name = "right")]
    private Tensor RightExport(Tensor y, Tensor weight) => Right(y, weight);

    IReadOnlyList<Tensor>? ITracingInputs.MakeExportInputs(string exportName) => exportName switch
    {
        "right" when CompileRight => RightExportInputs(),
        "scatter_sum" when CompileScatterSum => ScatterSumExportInputs(),
        _ => null,
    };

    private Tensor[] RightExportInputs()
    {
        var dtype = _outputMask.dtype;
        var device = _outputMask.device;
        var y = IrrepsIn2.Randn(new long[] { 3, -1 }, dtype, device);
        if (InternalWeights || WeightNumel == 0)
        {
            return new[] { y };
        }

        var shape = SharedWeights ? new long[] { WeightNumel } : new long[] { 3, WeightNumel };
        return new[] { y, randn(shape, dtype, device) };
    }
}
