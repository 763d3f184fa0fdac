using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Bench;

/// <summary>
/// The per-edge tensor products of samples/Potential at one row per edge of its 512-atom cell (22,118 edges):
/// NequIP's convolution ("uvu", 32x0e+16x1o+8x2e ⊗ 1x0e+1x1o+1x2e, per-edge weights) and Allegro's channel-wise product
/// ("uuu", 8x0e+8x1o+8x2e ⊗ itself, no weights); forward without autograd and forward + backward to every input,
/// eager and compiled, float32, medians of thread CPU time over interleaved rounds.
/// </summary>
public static class EdgeProducts
{
    /// <summary>Runs the benchmark and prints one line per product, variant and measure.</summary>
    /// <param name="rows">Rows (edges) per call.</param>
    /// <param name="rounds">Interleaved rounds.</param>
    public static void Run(long rows, int rounds)
    {
        manual_seed(0);
        var cases = new List<(string Name, Func<TensorProduct> Make, bool Weighted)>
        {
            ("uvu NequIP", () => Convolution(), true),
            ("uuu Allegro", () => ChannelWise(), false),
        };
        foreach (var (name, make, weighted) in cases)
        {
            var variants = new List<(string, Func<Tensor[], Tensor>)>();
            var eager = make();
            variants.Add(("eager", a => a.Length == 3 ? eager.forward(a[0], a[1], a[2]) : eager.forward(a[0], a[1], null)));
            var compiled = TorchScript.Compile(eager);
            variants.Add(("compiled", a => (Tensor)compiled.forward(a.Cast<object>().ToArray())!));
            var x = eager.IrrepsIn1.Randn(new[] { rows, -1L }, ScalarType.Float32, null);
            var y = eager.IrrepsIn2.Randn(new[] { rows, -1L }, ScalarType.Float32, null);
            var inputs = weighted ? new[] { x, y, randn(rows, eager.WeightNumel) } : new[] { x, y };
            var leaves = inputs.Select(t => t.detach().requires_grad_(true)).ToArray();
            var grad = randn(rows, eager.IrrepsOut.Dim);
            var fwd = variants.Select(_ => new List<double>()).ToArray();
            var fb = variants.Select(_ => new List<double>()).ToArray();
            for (var r = 0; r < rounds; r++)
            {
                for (var i = 0; i < variants.Count; i++)
                {
                    var f = variants[i].Item2;
                    using (no_grad())
                    {
                        fwd[i].Add(Timing.Measure(() => { using var s = NewDisposeScope(); f(inputs); }, 2).CpuMs);
                    }
                    fb[i].Add(Timing.Measure(() =>
                    {
                        using var s = NewDisposeScope();
                        torch.autograd.grad(new[] { f(leaves) }, leaves, new[] { grad });
                    }, 2).CpuMs);
                }
            }
            for (var i = 0; i < variants.Count; i++)
            {
                Console.WriteLine($"{name,-12} {variants[i].Item1,-16} rows {rows}: forward (no grad) " +
                                  $"{Timing.Median(fwd[i]),7:F1} ms, forward+backward {Timing.Median(fb[i]),7:F1} ms (thread CPU)");
            }
        }
    }

    // samples/Potential's Interaction: one output irrep per path, sorted, per-edge weights.
    private static TensorProduct Convolution()
    {
        var in1 = new Irreps("32x0e+16x1o+8x2e");
        var sh = new Irreps("1x0e+1x1o+1x2e");
        var mid = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var i = 0; i < in1.Length; i++)
        {
            for (var j = 0; j < sh.Length; j++)
            {
                foreach (var ir in in1[i].Ir * sh[j].Ir)
                {
                    if (!in1.Any(m => m.Ir == ir)) continue;
                    raw.Add(new Instruction(i, j, mid.Count, "uvu", true));
                    mid.Add(new MulIr(in1[i].Mul, ir));
                }
            }
        }
        var sorted = new Irreps(mid).Sort();
        return new TensorProduct(in1, sh, sorted.Irreps, raw.Select(ins => ins with { IOut = sorted.P[ins.IOut] }),
            sharedWeights: false, internalWeights: false);
    }

    // samples/Potential's AllegroLayer: every "uuu" path of the features with themselves onto a feature irrep.
    private static TensorProduct ChannelWise()
    {
        var f = new Irreps("8x0e+8x1o+8x2e");
        var mid = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var i = 0; i < f.Length; i++)
        {
            for (var j = 0; j < f.Length; j++)
            {
                foreach (var ir in f[i].Ir * f[j].Ir)
                {
                    if (!f.Any(m => m.Ir == ir)) continue;
                    raw.Add(new Instruction(i, j, mid.Count, "uuu", false));
                    mid.Add(new MulIr(8, ir));
                }
            }
        }
        return new TensorProduct(f, f, new Irreps(mid), raw, internalWeights: false, sharedWeights: true);
    }
}
