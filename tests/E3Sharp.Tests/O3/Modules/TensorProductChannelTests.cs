using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>
/// The channel-wise groups of a tensor product's plan ("uvu" paths from a second-input irrep of multiplicity 1, "uuu"
/// paths: TensorProduct.Channel.cs) against e3nn's definition written out path by path with the Wigner 3j symbols:
/// eager and compiled (with and without autograd), gradients of every input, both dtypes, weighted per row, shared
/// or not at all, zero multiplicities and empty batches.
/// </summary>
public sealed class TensorProductChannelTests
{
    // out[..., i_out (u, k)] += pw · Σ_ij C[i, j, k] x1[..., u, i] x2[..., u, j] (· w[..., u]) for "uuu", and
    // pw · Σ_vij C[i, j, k] x1[..., u, i] x2[..., v, j] (· w[..., u, v]) for "uvu".
    private static Tensor Reference(TensorProduct tp, Tensor x, Tensor y, Tensor? w)
    {
        var xs = x.split(tp.IrrepsIn1.Select(m => (long)m.Dim).ToArray(), -1);
        var ys = y.split(tp.IrrepsIn2.Select(m => (long)m.Dim).ToArray(), -1);
        var rows = x.shape[0];
        var outputs = tp.IrrepsOut.Select(m => zeros(rows, m.Mul, m.Ir.Dim, dtype: x.dtype)).ToArray();
        long offset = 0;
        foreach (var ins in tp.Instructions)
        {
            var (mul, ir1) = tp.IrrepsIn1[ins.IIn1];
            var (mul2, ir2) = tp.IrrepsIn2[ins.IIn2];
            var irO = tp.IrrepsOut[ins.IOut].Ir;
            Tensor? wp = null;
            if (ins.HasWeight)
            {
                wp = w!.narrow(-1, offset, ins.PathNumel).expand(rows, ins.PathNumel);
                offset += ins.PathNumel;
            }
            if (mul == 0) continue;
            var c = Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64).to(x.dtype);
            var x1 = xs[ins.IIn1].unflatten(1, mul, ir1.Dim);
            var x2 = ys[ins.IIn2].unflatten(1, mul2, ir2.Dim);
            Tensor r;
            if (ins.ConnectionMode == "uuu")
            {
                r = einsum("zui,zuj,ijk->zuk", x1, x2, c);
                if (wp is not null) r = r.mul(wp.unsqueeze(-1));
            }
            else
            {
                r = wp is not null
                    ? einsum("zui,zvj,ijk,zuv->zuk", x1, x2, c, wp.unflatten(1, mul, mul2))
                    : einsum("zui,zvj,ijk->zuk", x1, x2, c);
            }
            r = r.mul(ins.PathWeight);
            outputs[ins.IOut] = outputs[ins.IOut].add(r);
        }
        return cat(outputs.Select(o => o.flatten(1)).ToArray(), -1);
    }

    // Every path of the given mode from in1 x in2 onto an output irrep of mul u (one output per path), as
    // samples/Potential builds them; "sum" sends all paths with the same output irrep into one output.
    private static TensorProduct Make(string in1, string in2, string mode, bool weighted, bool? shared, ScalarType dtype,
        bool sum = false)
    {
        Irreps i1 = in1, i2 = in2;
        var outs = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var a = 0; a < i1.Length; a++)
        {
            for (var b = 0; b < i2.Length; b++)
            {
                if (mode == "uuu" && i1[a].Mul != i2[b].Mul) continue;
                foreach (var ir in i1[a].Ir * i2[b].Ir)
                {
                    if (ir.L > 2) continue;
                    var index = sum ? outs.FindIndex(m => m.Ir == ir && m.Mul == i1[a].Mul) : -1;
                    if (index < 0)
                    {
                        index = outs.Count;
                        outs.Add(new MulIr(i1[a].Mul, ir));
                    }
                    raw.Add(new Instruction(a, b, index, mode, weighted));
                }
            }
        }
        return new TensorProduct(i1, i2, new Irreps(outs), raw, sharedWeights: shared,
            internalWeights: shared == true ? true : shared == false ? false : null, dtype: dtype);
    }

    public static TheoryData<string, string, string, bool, bool?, bool> Cases() => new()
    {
        // NequIP's convolution (per-row weights), unweighted, shared weights, two paths into one output.
        { "8x0e+4x1o+2x2e", "0e+1o+2e", "uvu", true, false, false },
        { "8x0e+4x1o+2x2e", "0e+1o+2e", "uvu", false, null, false },
        { "3x0e+2x1o+2x1e+1x2e", "1x0e+1x1o+1x2e", "uvu", true, true, true },
        // A scalar first input whose outer product is a batched product (48·9 multiply-adds per row, not a broadcast).
        { "48x0e+2x1o", "0e+1o+2e", "uvu", true, false, false },
        // A second-input irrep of multiplicity 2 stays path by path beside the channel-wise ones; a zero
        // multiplicity contributes nothing.
        { "4x0e+0x1o+3x1e", "0e+2x1o+1e", "uvu", true, false, false },
        // Allegro: "uuu" without weights; with per-row and shared weights; several multiplicities (gathers of
        // several second-input blocks, and of one).
        { "4x0e+4x1o+4x2e", "4x0e+4x1o+4x2e", "uuu", false, null, false },
        { "4x0e+4x1o+4x2e", "4x0e+4x1o+4x2e", "uuu", true, false, true },
        { "3x0e+2x1o+3x2e", "2x0e+3x1o+2x2e+3x0o", "uuu", true, true, false },
        { "2x0e+0x1o", "2x1o+0x1o", "uuu", false, null, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheDefinitionPathByPath(string in1, string in2, string mode, bool weighted, bool? shared, bool sum)
    {
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            using var scope = NewDisposeScope();
            manual_seed(11);
            var tp = Make(in1, in2, mode, weighted, shared, dtype, sum);
            var tol = dtype == ScalarType.Float64 ? 1e-12 : 2e-5;
            var gradTol = dtype == ScalarType.Float64 ? 1e-10 : 1e-4;
            // The channel-wise groups hold every path of the mode except those from a second-input multiplicity
            // above 1 ("uvu") or with a zero multiplicity.
            var channelPaths = tp.Instructions.Count(i => tp.IrrepsIn1[i.IIn1].Mul > 0 && tp.IrrepsIn2[i.IIn2].Mul > 0
                && (mode == "uuu" || tp.IrrepsIn2[i.IIn2].Mul == 1));
            Assert.True(channelPaths > 0);
            Assert.Equal(channelPaths, tp.Plan.Channel.Sum(g => g.Paths.Length));

            foreach (var rows in new long[] { 5, 0 })
            {
                var x = tp.IrrepsIn1.Randn(new[] { rows, -1L }, dtype, null);
                var y = tp.IrrepsIn2.Randn(new[] { rows, -1L }, dtype, null);
                Tensor? w = tp.WeightNumel == 0 ? null : tp.InternalWeights ? tp.Weight : randn(rows, tp.WeightNumel, dtype: dtype);
                var expected = Reference(tp, x, y, w?.detach());
                if (rows > 0) Assert.True(MaxAbs(expected) > 1e-2, "the reference should not vanish");
                var external = w is not null && !tp.InternalWeights;
                AssertClose(expected, tp.forward(x, y, external ? w : null), tol, $"{dtype} rows {rows} eager");
                using (no_grad())
                {
                    // Without autograd the groups take another formulation (path by path).
                    AssertClose(expected, tp.forward(x, y, external ? w : null), tol, $"{dtype} rows {rows} eager, no grad");
                }

                var compiled = TorchScript.Compile(tp);
                var args = external ? new[] { x, y, w! } : new[] { x, y };
                using (no_grad())
                {
                    AssertClose(expected, (Tensor)compiled.forward(args.Cast<object>().ToArray())!, tol,
                        $"{dtype} rows {rows} compiled, no grad");
                }
                var refLeaves = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
                var eagerLeaves = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
                var compiledLeaves = args.Select(a => a.detach().clone().requires_grad_(true)).ToArray();
                var r = Reference(tp, refLeaves[0], refLeaves[1], external ? refLeaves[2] : w?.detach());
                var e = tp.forward(eagerLeaves[0], eagerLeaves[1], external ? eagerLeaves[2] : null);
                var c = (Tensor)compiled.forward(compiledLeaves.Cast<object>().ToArray())!;
                AssertClose(expected, c, tol, $"{dtype} rows {rows} compiled");
                var g = randn_like(expected);
                r.mul(g).sum().backward();
                e.mul(g).sum().backward();
                c.mul(g).sum().backward();
                for (var i = 0; i < args.Length; i++)
                {
                    AssertClose(refLeaves[i].grad!, eagerLeaves[i].grad!, gradTol, $"{dtype} rows {rows} eager gradient {i}");
                    AssertClose(refLeaves[i].grad!, compiledLeaves[i].grad!, gradTol, $"{dtype} rows {rows} compiled gradient {i}");
                }
                (compiled as IDisposable)?.Dispose();
            }
        }
    }

    [Fact]
    public void WeightsOfInternalChannelWiseProductsGetGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var tp = Make("4x0e+4x1o", "4x0e+4x1o", "uuu", true, true, ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new[] { 6L, -1L }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new[] { 6L, -1L }, ScalarType.Float64, null);
        tp.forward(x, y).pow(2).sum().backward();
        var w = tp.Weight.detach().clone().requires_grad_(true);
        Reference(tp, x, y, w).pow(2).sum().backward();
        AssertClose(w.grad!, tp.Weight.grad!, 1e-10, "weight gradient");
    }

    // A scalar first input's outer product is a broadcast multiplication below LibTorch's naive-loop size (400
    // multiply-adds per row) and a batched product from there on; "uuu" groups and I > 1 never broadcast.
    [Theory]
    [InlineData("8x0e+4x1o", "0e+1o+2e", "uvu", 0, true)]      // 8·9 = 72
    [InlineData("44x0e+4x1o", "0e+1o+2e", "uvu", 0, true)]     // 44·9 = 396
    [InlineData("45x0e+4x1o", "0e+1o+2e", "uvu", 0, false)]    // 45·9 = 405
    [InlineData("8x0e+4x1o", "0e+1o+2e", "uvu", 1, false)]     // I = 3
    [InlineData("4x0e+4x1o", "4x0e+4x1o", "uuu", 0, false)]
    public void ScalarFirstInputsBroadcastBelowTheNaiveLoopSize(string in1, string in2, string mode, int group,
        bool broadcast)
    {
        using var tp = Make(in1, in2, mode, true, false, ScalarType.Float32);
        Assert.Equal(broadcast, tp.Plan.Channel[group].OuterByBroadcast);
    }
}
