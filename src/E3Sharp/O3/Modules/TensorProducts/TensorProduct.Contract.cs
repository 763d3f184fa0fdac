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
}
