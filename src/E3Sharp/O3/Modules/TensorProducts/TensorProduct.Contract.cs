using E3Sharp.Jit;

namespace E3Sharp.O3.Modules;

public partial class TensorProduct
{
    private InputContract? _contract;

    /// <summary>What <c>forward(x, y, weight)</c> needs (checked eagerly and by the compiled module).</summary>
    public InputContract InputContract => _contract ??= new InputContract(
        ToString(),
        [
            ModuleChecks.Input("x", IrrepsIn1),
            ModuleChecks.Input("y", IrrepsIn2),
            SharedWeights
                ? new InputSpec("weight", WeightNumel, $"last dimension {WeightNumel} (shared weights)", Batched: false)
                : new InputSpec("weight", WeightNumel, $"last dimension {WeightNumel} (sharedWeights: false)", MinRank: 2),
        ],
        "output_mask");

    private InputContract? _scatterContract;

    /// <summary>What <c>ScatterSum(x, edgeAttr, weight, edgeIndex)</c> needs: nodes and edges are different batches
    /// (checked eagerly and by the compiled <c>scatter_sum</c>).</summary>
    public InputContract ScatterSumContract => _scatterContract ??= new InputContract(
        $"{this} ScatterSum",
        [
            ModuleChecks.Input("x", IrrepsIn1) with { MinRank = 2, BatchGroup = 1 },
            ModuleChecks.Input("edgeAttr", IrrepsIn2),
            InputContract.Inputs[2],
            new InputSpec("edgeIndex", InputSpec.AnyLastDimension, "shape [2, E]", MinRank: 2)
            {
                RequiredDtype = "Int64", FirstDimension = 2, BatchGroup = 2,
            },
        ],
        "output_mask");

    InputContract? IInputContract.ExportContract(string exportName) => exportName == "scatter_sum" ? ScatterSumContract : null;
}
