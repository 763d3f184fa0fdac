using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>
/// The product of weighted "uvu" paths, one per output irrep, from second-input irreps of multiplicity 1 (NequIP's
/// convolution: features ⊗ spherical harmonics with per-edge weights): eager, compiled and gradients against e3nn's
/// definition written out path by path with the Wigner 3j symbols.
/// </summary>
public class TensorProductUvuTests
{
    // NequIP's construction: one output irrep per path, then sorted.
    private static TensorProduct Convolution(string irrepsIn, bool sharedWeights, ScalarType dtype)
    {
        var in1 = new Irreps(irrepsIn);
        var sh = Irreps.SphericalHarmonics(2);
        var mid = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var i = 0; i < in1.Length; i++)
        {
            for (var j = 0; j < sh.Length; j++)
            {
                foreach (var ir in in1[i].Ir * sh[j].Ir)
                {
                    if (ir.L > 2) continue;
                    raw.Add(new Instruction(i, j, mid.Count, "uvu", true));
                    mid.Add(new MulIr(in1[i].Mul, ir));
                }
            }
        }

        var sorted = new Irreps(mid).Sort();
        return new TensorProduct(in1, sh, sorted.Irreps, raw.Select(ins => ins with { IOut = sorted.P[ins.IOut] }),
            sharedWeights: sharedWeights, internalWeights: sharedWeights ? true : null, dtype: dtype);
    }

    // out[..., path p's output irrep (u, k)] = pw_p · Σ_ij C[i, j, k] x1[..., u, i] x2[..., j] w_p[..., u].
    private static Tensor Reference(TensorProduct tp, Tensor x, Tensor y, Tensor w)
    {
        var xs = x.split(tp.IrrepsIn1.Select(m => (long)m.Dim).ToArray(), -1);
        var ys = y.split(tp.IrrepsIn2.Select(m => (long)m.Dim).ToArray(), -1);
        var outputs = new Tensor?[tp.IrrepsOut.Length];
        long offset = 0;
        foreach (var ins in tp.Instructions)
        {
            var (mul, ir1) = tp.IrrepsIn1[ins.IIn1];
            var ir2 = tp.IrrepsIn2[ins.IIn2].Ir;
            var irO = tp.IrrepsOut[ins.IOut].Ir;
            var c = Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
            var x1 = xs[ins.IIn1].unflatten(1, mul, ir1.Dim);
            var wp = w.narrow(-1, offset, mul);
            offset += mul;
            var r = einsum("zui,zj,ijk,zu->zuk", x1, ys[ins.IIn2], c, wp.expand(x.shape[0], mul)).mul(ins.PathWeight);
            outputs[ins.IOut] = r.flatten(-2);
        }

        return cat(outputs.Select(o => o!).ToArray(), -1);
    }

    [Theory]
    [InlineData("16x0e", false)]
    [InlineData("16x0e+8x1o+4x2e", false)]
    [InlineData("3x0e+2x1o+2x1e+1x2e", true)]
    public void MatchesTheDefinitionPathByPath(string irreps, bool sharedWeights)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var tp = Convolution(irreps, sharedWeights, ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 7, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 7, -1 }, ScalarType.Float64, null);
        var w = sharedWeights ? tp.Weight : randn(7, tp.WeightNumel, dtype: ScalarType.Float64);
        var expected = Reference(tp, x, y, w.detach());
        Assert.True(MaxAbs(expected) > 1e-2, "the reference should not vanish");
        AssertClose(expected, sharedWeights ? tp.forward(x, y) : tp.forward(x, y, w), 1e-12, "forward");
        var right = sharedWeights ? tp.Right(y) : tp.Right(y, w);
        AssertClose(expected, einsum("zi,zij->zj", x, right), 1e-12, "right");

        // Compiled, with and without autograd, and the gradients of all inputs.
        var compiled = TorchScript.Compile(tp);
        var args = sharedWeights ? new[] { x, y } : new[] { x, y, w };
        var leaves = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
        var eagerLeaves = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
        var c = (Tensor)compiled.forward(leaves.Cast<object>().ToArray())!;
        var e = sharedWeights ? tp.forward(eagerLeaves[0], eagerLeaves[1]) : tp.forward(eagerLeaves[0], eagerLeaves[1], eagerLeaves[2]);
        AssertClose(expected, c, 1e-12, "compiled");
        c.pow(2).sum().backward();
        e.pow(2).sum().backward();
        var refLeaves = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
        Reference(tp, refLeaves[0], refLeaves[1], sharedWeights ? w.detach() : refLeaves[2]).pow(2).sum().backward();
        for (var i = 0; i < args.Length; i++)
        {
            AssertClose(refLeaves[i].grad!, eagerLeaves[i].grad!, 1e-10, $"eager gradient {i}");
            AssertClose(refLeaves[i].grad!, leaves[i].grad!, 1e-10, $"compiled gradient {i}");
        }

        using (no_grad())
        {
            AssertClose(expected, (Tensor)compiled.forward(args.Cast<object>().ToArray())!, 1e-12, "compiled, no grad");
        }

        Assert.Equal(2, Assertions.AssertEquivariant(tp,
            inputs: () => sharedWeights
                ? new[] { tp.IrrepsIn1.Randn(new long[] { 2, -1 }, ScalarType.Float64, null), tp.IrrepsIn2.Randn(new long[] { 2, -1 }, ScalarType.Float64, null) }
                : new[]
                {
                    tp.IrrepsIn1.Randn(new long[] { 2, -1 }, ScalarType.Float64, null),
                    tp.IrrepsIn2.Randn(new long[] { 2, -1 }, ScalarType.Float64, null),
                    randn(2, tp.WeightNumel, dtype: ScalarType.Float64),
                },
            irrepsIn: sharedWeights ? null : new Irreps?[] { tp.IrrepsIn1, tp.IrrepsIn2, null }).Count);
    }
}
