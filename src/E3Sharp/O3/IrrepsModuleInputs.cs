using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>Random inputs for <see cref="IIrrepsModule"/>s (e3nn's <c>_rand_args</c> / <c>get_tracing_inputs</c>).</summary>
public static class IrrepsModuleInputs
{
    /// <summary>
    /// Makes <paramref name="n"/> input tuples (at least one) for <paramref name="module"/>: each with one random batch
    /// size in <c>1..8</c> shared by its arguments, argument <c>k</c> being <c>IrrepsIn[k].Randn(batch, -1)</c>.
    /// </summary>
    /// <param name="module">The module (its irreps, and its parameters' dtype/device).</param>
    /// <param name="n">How many tuples (values below 1 give one tuple).</param>
    /// <param name="random">Source of the batch sizes; <c>null</c> uses <see cref="Random.Shared"/>.</param>
    public static IReadOnlyList<Tensor[]> MakeRandomInputs(IIrrepsModule module, int n, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        random ??= Random.Shared;
        var (dtype, device) = DtypeAndDevice(module);
        var result = new List<Tensor[]>();
        for (var t = 0; t < Math.Max(1, n); t++)
        {
            var batch = random.Next(1, 9);
            var args = new Tensor[module.IrrepsIn.Count];
            for (var k = 0; k < args.Length; k++)
            {
                args[k] = module.IrrepsIn[k].Randn(new long[] { batch, -1 }, dtype, device);
            }
            result.Add(args);
        }
        return result;
    }

    /// <summary>
    /// The dtype and device inputs of <paramref name="module"/> should have: those of its first floating parameter,
    /// else of its first floating buffer, else the default dtype on the CPU (e3nn's rule).
    /// </summary>
    /// <param name="module">A module; anything that is not a TorchSharp module gets the defaults.</param>
    public static (ScalarType Dtype, Device Device) DtypeAndDevice(object module)
    {
        if (module is nn.Module m)
        {
            foreach (var p in m.parameters())
            {
                if (E3Sharp.O3.Modules.ModuleChecks.IsFloating(p.dtype)) return (p.dtype, p.device);
            }
            foreach (var b in m.buffers())
            {
                if (E3Sharp.O3.Modules.ModuleChecks.IsFloating(b.dtype)) return (b.dtype, b.device);
            }
        }
        return (get_default_dtype(), CPU);
    }
}
