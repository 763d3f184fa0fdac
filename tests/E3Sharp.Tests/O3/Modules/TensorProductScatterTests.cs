using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp.Utils;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>
/// <see cref="TensorProduct.ScatterSum"/> against its definition, the forward per edge summed with index_add: the
/// channel-wise plans that sum before the layout (NequIP's convolution, Allegro's "uuu") and a plan that does not
/// (a fully connected product); with and without autograd, gradients of every input, eager and compiled
/// (<c>scatter_sum</c> on other node and edge counts than traced), and its errors.
/// </summary>
public sealed class TensorProductScatterTests
{
    // NequIP's convolution: "uvu" paths of 32x0e+... ⊗ spherical harmonics, one sorted output irrep per path.
    private static TensorProduct Convolution(string in1, ScalarType dtype)
    {
        Irreps i1 = in1, sh = "0e+1o+2e";
        var mid = new List<MulIr>();
        var raw = new List<Instruction>();
        for (var a = 0; a < i1.Length; a++)
        {
            for (var b = 0; b < sh.Length; b++)
            {
                foreach (var ir in i1[a].Ir * sh[b].Ir)
                {
                    if (ir.L > 2 || !i1.Concat(sh).Any(m => m.Ir == ir)) continue;
                    raw.Add(new Instruction(a, b, mid.Count, "uvu", true));
                    mid.Add(new MulIr(i1[a].Mul, ir));
                }
            }
        }
        var sorted = new Irreps(mid).Sort();
        return new TensorProduct(i1, sh, sorted.Irreps, raw.Select(ins => ins with { IOut = sorted.P[ins.IOut] }),
            sharedWeights: false, internalWeights: false, dtype: dtype) { CompileScatterSum = true };
    }

    private static Tensor Definition(TensorProduct tp, Tensor x, Tensor attr, Tensor? w, Tensor edgeIndex) =>
        zeros(x.shape[0], tp.IrrepsOut.Dim, dtype: x.dtype)
            .index_add(0, edgeIndex[0], tp.forward(x.index_select(0, edgeIndex[1]), attr, w), 1);

    private static (Tensor X, Tensor Attr, Tensor? W, Tensor EdgeIndex) Inputs(TensorProduct tp, long nodes, long edges,
        ScalarType dtype)
    {
        var x = tp.IrrepsIn1.Randn(new[] { nodes, -1L }, dtype, null);
        var attr = tp.IrrepsIn2.Randn(new[] { edges, -1L }, dtype, null);
        Tensor? w = tp.InternalWeights || tp.WeightNumel == 0 ? null
            : tp.SharedWeights ? randn(tp.WeightNumel, dtype: dtype) : randn(edges, tp.WeightNumel, dtype: dtype);
        var edgeIndex = randint(0, nodes, new[] { 2, edges }, dtype: ScalarType.Int64);
        return (x, attr, w, edgeIndex);
    }

    public static TheoryData<string, bool> Cases() => new()
    {
        { "nequip", true },         // sums the channel groups' columns before the layout
        { "nequip-scalars", true }, // one group, scalar first input
        { "fully-connected", false },
    };

    private static TensorProduct Make(string name, ScalarType dtype) => name switch
    {
        "nequip" => Convolution("8x0e+4x1o+2x2e", dtype),
        "nequip-scalars" => Convolution("6x0e", dtype),
        _ => new FullyConnectedTensorProduct("3x0e+2x1o", "0e+1o", "2x0e+2x1o", dtype: dtype),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EqualsTheForwardSummedPerNode(string name, bool sumsBeforeLayout)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        foreach (var dtype in new[] { ScalarType.Float64, ScalarType.Float32 })
        {
            var tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-4;
            var tp = Make(name, dtype);
            Assert.Equal(sumsBeforeLayout, tp.Plan.ScatterPermutation is not null);
            var (x, attr, w, edgeIndex) = Inputs(tp, 6, 23, dtype);
            using (no_grad())
            {
                AssertClose(tp.ScatterSum(x, attr, w, edgeIndex), Definition(tp, x, attr, w, edgeIndex), tol, $"{name} no grad");
            }

            var leaves = new[] { x, attr, w }.Where(t => t is not null).Select(t => t!.detach().requires_grad_(true)).ToArray();
            Tensor? wl = w is null ? null : leaves[2];
            var got = tp.ScatterSum(leaves[0], leaves[1], wl, edgeIndex);
            var want = Definition(tp, leaves[0], leaves[1], wl, edgeIndex);
            AssertClose(got, want, tol, $"{name} with autograd");
            var g = randn_like(got);
            var gotGrads = autograd.grad(new[] { got }, leaves, new[] { g });
            var wantGrads = autograd.grad(new[] { want }, leaves, new[] { g });
            for (var i = 0; i < leaves.Length; i++) AssertClose(gotGrads[i], wantGrads[i], tol, $"{name} gradient {i}");
        }
    }

    [Fact]
    public void CompiledScatterSumTakesOtherNodeAndEdgeCounts()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var tp = Convolution("8x0e+4x1o+2x2e", ScalarType.Float32);
        var compiled = TorchScript.Compile(tp);
        foreach (var (nodes, edges) in new[] { (6L, 23L), (11L, 40L), (3L, 0L) })
        {
            var (x, attr, w, edgeIndex) = Inputs(tp, nodes, edges, ScalarType.Float32);
            var leaves = new[] { x, attr, w! }.Select(t => t.detach().requires_grad_(true)).ToArray();
            var got = (Tensor)compiled.invoke("scatter_sum", leaves[0], leaves[1], leaves[2], edgeIndex)!;
            var want = Definition(tp, leaves[0], leaves[1], leaves[2], edgeIndex);
            Assert.Equal(new[] { nodes, (long)tp.IrrepsOut.Dim }, got.shape);
            AssertClose(got, want, 1e-4, $"compiled scatter_sum, {nodes} nodes, {edges} edges");
            if (edges == 0) continue;
            var g = randn_like(got);
            var gotGrads = autograd.grad(new[] { got }, leaves, new[] { g });
            var wantGrads = autograd.grad(new[] { want }, leaves, new[] { g });
            for (var i = 0; i < leaves.Length; i++) AssertClose(gotGrads[i], wantGrads[i], 1e-4, $"compiled gradient {i}");
        }
    }

    [Fact]
    public void AScriptedModuleCallsTheCompiledScatterSum()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var tp = Convolution("8x0e+4x1o+2x2e", ScalarType.Float32);
        var caller = new ScatterSumCaller(tp);
        var compiled = TorchScript.Compile(caller);
        var code = TorchScript.Code(compiled);
        Assert.True(code.Contains(".scatter_sum("), code);
        var (x, attr, w, edgeIndex) = Inputs(tp, 9, 31, ScalarType.Float32);
        AssertClose(caller.forward(x, attr, w!, edgeIndex), (Tensor)compiled.forward(x, attr, w!, edgeIndex)!, 1e-4,
            "scripted caller, compiled against eager");
    }

    [Fact]
    public void AScriptedCallerOfAProductWithoutScatterSumIsRefusedWhenCompiled()
    {
        using var scope = NewDisposeScope();
        var tp = Convolution("4x0e+2x1o", ScalarType.Float32);
        tp.CompileScatterSum = false;
        var e = Assert.ThrowsAny<Exception>(() => TorchScript.Compile(new ScatterSumCaller(tp)));
        Assert.Contains("scatter_sum", e.Message);
    }

    [Fact]
    public void WithoutCompileScatterSumTheCompiledModuleHasNoSuchMethod()
    {
        using var scope = NewDisposeScope();
        var tp = Convolution("4x0e+2x1o", ScalarType.Float32);
        tp.CompileScatterSum = false;
        Assert.DoesNotContain("scatter_sum", TorchScript.Code(TorchScript.Compile(tp)));
    }

    public static TheoryData<string, string> BadInputs() => new()
    {
        { "transposed", "input 'edgeIndex' must have shape [2, E], but got a tensor of shape [9, 2]" },
        { "three rows", "input 'edgeIndex' must have shape [2, E], but got a tensor of shape [3, 9]" },
        { "int32", "input 'edgeIndex' has dtype Int32, but it must be Int64." },
        { "float64 x", "input 'x' has dtype Float64, but the module's dtype is Float32." },
        { "x features", "input 'x' must have irreps 4x0e+2x1o (last dimension 10)" },
        { "weight features", "input 'weight' must have last dimension 20" },
    };

    private static Tensor[] Bad(string name, Tensor x, Tensor attr, Tensor w, Tensor edgeIndex) => name switch
    {
        "transposed" => [x, attr, w, edgeIndex.t().contiguous()],
        "three rows" => [x, attr, w, cat([edgeIndex, edgeIndex.narrow(0, 0, 1)], 0)],
        "int32" => [x, attr, w, edgeIndex.to(ScalarType.Int32)],
        "float64 x" => [x.to(ScalarType.Float64), attr, w, edgeIndex],
        "x features" => [x.narrow(1, 0, 3), attr, w, edgeIndex],
        _ => [x, attr, w.narrow(1, 0, 5), edgeIndex],
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public void BadInputsAreRefusedEagerAndCompiled(string name, string message)
    {
        using var scope = NewDisposeScope();
        var tp = Convolution("4x0e+2x1o", ScalarType.Float32);
        var compiled = TorchScript.Compile(tp);
        var (x, attr, w, edgeIndex) = Inputs(tp, 5, 9, ScalarType.Float32);
        var args = Bad(name, x, attr, w!, edgeIndex);
        var e = Assert.Throws<ArgumentException>(() => tp.ScatterSum(args[0], args[1], args[2], args[3]));
        Assert.True(e.Message.Contains($"{tp} ScatterSum: {message}"), e.Message);
        var c = Assert.ThrowsAny<Exception>(() => compiled.invoke("scatter_sum", args[0], args[1], args[2], args[3]));
        Assert.True(c.Message.Contains($"{tp} ScatterSum: {message}"), c.Message);
    }

    [Fact]
    public void EagerCallsAlsoCheckEdgeCountsAndNodes()
    {
        using var scope = NewDisposeScope();
        var tp = Convolution("4x0e+2x1o", ScalarType.Float32);
        var (x, attr, w, edgeIndex) = Inputs(tp, 5, 9, ScalarType.Float32);
        var e = Assert.Throws<ArgumentException>(() => tp.ScatterSum(x, attr.narrow(0, 0, 8), w!.narrow(0, 0, 8), edgeIndex));
        Assert.Contains("with one number of edges E, but got x [5, 10], edgeAttr [8, 9], weight [8, 20], edgeIndex [2, 9]",
            e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.ScatterSum(x.narrow(0, 0, 2), attr, w, edgeIndex.clamp(0, 1).index_fill(1, tensor(0L), 4L)));
        Assert.Contains("ScatterSum: edgeIndex holds node 4, but there are 2 nodes (x).", e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.ScatterSum(x.unsqueeze(0), attr, w, edgeIndex));
        Assert.Contains("but got x [1, 5, 10]", e.Message);
    }
}

/// <summary>A scripted module that calls <see cref="TensorProduct.ScatterSum"/> on its child, as samples/Potential's
/// interaction does.</summary>
[CompileMode(JitMode.Script)]
public partial class ScatterSumCaller : TorchSharp.torch.nn.Module<Tensor, Tensor, Tensor, Tensor, Tensor>
{
    [ComponentName(Name = "tp")]
    private readonly TensorProduct _tp;

    public ScatterSumCaller(TensorProduct tp) : base(nameof(ScatterSumCaller))
    {
        _tp = tp;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x, Tensor edgeAttr, Tensor weight, Tensor edgeIndex) =>
        _tp.ScatterSum(x, edgeAttr, weight, edgeIndex) * 2.0;
}
