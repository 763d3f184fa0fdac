using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

/// <summary>Activations of an input, of a product, of a value read twice and of a built-in child.</summary>
[CompileMode(JitMode.Trace)]
public partial class ActivationChain : nn.Module<Tensor, Tensor>, ITracingInputs
{
    private readonly Parameter _w1;
    private readonly Parameter _w2;
    private readonly Sigmoid _gate;

    public ActivationChain(ScalarType dtype) : base(nameof(ActivationChain))
    {
        _w1 = new Parameter(randn(4, 6, dtype: dtype));
        _w2 = new Parameter(randn(6, 4, dtype: dtype));
        _gate = nn.Sigmoid();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = nn.functional.silu(x.mm(_w1));
        var a = h.mm(_w2);
        var kept = nn.functional.silu(a).add(a);
        var t = kept.mul(x).tanh();
        var r = nn.functional.relu(t.exp());
        var s = nn.functional.silu(x);
        var g = _gate.forward(t.add(x));
        return r.add(s).add(g).add(t.sigmoid()).MoveToOuterDisposeScope();
    }

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(2 + i, 4, dtype: _w1.dtype) }).ToArray();

    public bool FixedLastDimension => true;
}

public class NativeBackwardTests
{
    private static int Count(string code, string what) => code.Split(what).Length - 1;

    [Fact]
    public void TracesRecordActivationsThatLibTorchDifferentiatesWithItsOwnKernels()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var module = new ActivationChain(ScalarType.Float64);
        var compiled = TorchScript.Compile(module);
        var code = string.Join("\n", TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled)).Code.Values);
        // Every activation sits between two views, so LibTorch's executor keeps it out of its differentiable subgraphs.
        Assert.Equal(3, Count(code, "torch.silu(torch.view_as("));
        Assert.Equal(2, Count(code, "torch.sigmoid(torch.view_as("));
        Assert.Equal(1, Count(code, "torch.tanh(torch.view_as("));
        Assert.Equal(1, Count(code, "torch.relu(torch.view_as("));
        Assert.Equal(14, Count(code, "torch.view_as("));
    }

    [Fact]
    public void CompiledBuiltinActivationModulesAreIsolatedToo()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var seq = nn.Sequential(nn.Linear(4, 6, dtype: ScalarType.Float64), nn.SiLU(), nn.Tanh(), nn.ReLU(), nn.Sigmoid(),
            nn.Linear(6, 3, dtype: ScalarType.Float64));
        var ir = BuiltinModules.TryConvert(seq, new CompileContext())!;
        var code = string.Concat(TorchScriptArchive.PrintCode(ir).Values);
        foreach (var op in new[] { "silu", "tanh", "relu", "sigmoid" })
        {
            Assert.Equal(1, Count(code, $"torch.{op}(input.view_as(input)).view_as(input)"));
        }

        using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ir));
        for (var call = 0; call < 5; call++)
        {
            using var inner = NewDisposeScope();
            var x = randn(3 + call, 4, dtype: ScalarType.Float64);
            var (y, g, gg) = Derivatives(p => seq.forward(p), x);
            var (yc, gc, ggc) = Derivatives(p => (Tensor)loaded.forward(p), x);
            TracerEndToEndTests.AssertClose(y, yc, 1e-12);
            TracerEndToEndTests.AssertClose(g, gc, 1e-12);
            TracerEndToEndTests.AssertClose(gg, ggc, 1e-12);
        }
    }

    [Fact]
    public void RewrittenTracesKeepEagerValuesAndGradients()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var module = new ActivationChain(ScalarType.Float64);
        var compiled = TorchScript.Compile(module);
        // Several calls: LibTorch's graph executor profiles the first ones and runs its optimised graph (with the
        // differentiable subgraphs) after them; every call must agree with eager, first and second derivatives too.
        for (var call = 0; call < 5; call++)
        {
            using var inner = NewDisposeScope();
            var x = randn(3 + call, 4, dtype: ScalarType.Float64);
            var (y, g, gg) = Derivatives(p => module.forward(p), x);
            var (yc, gc, ggc) = Derivatives(p => (Tensor)compiled.forward(p), x);
            TracerEndToEndTests.AssertClose(y, yc, 1e-12);
            TracerEndToEndTests.AssertClose(g, gc, 1e-12);
            TracerEndToEndTests.AssertClose(gg, ggc, 1e-12);
        }
    }

    /// <summary>f(x), d(Σf)/dx with create_graph, and d(Σ (d(Σf)/dx)²)/dx.</summary>
    private static (Tensor, Tensor, Tensor) Derivatives(Func<Tensor, Tensor> f, Tensor x)
    {
        var p = x.detach().requires_grad_(true);
        var y = f(p);
        var g = autograd.grad([y.sum()], [p], retain_graph: true, create_graph: true)[0];
        var gg = autograd.grad([g.square().sum()], [p])[0];
        return (y.detach(), g.detach(), gg);
    }
}
