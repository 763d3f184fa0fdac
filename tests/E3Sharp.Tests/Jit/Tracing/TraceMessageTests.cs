using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

[CompileMode(JitMode.Trace)]
public partial class HoldsLinear : nn.Module<Tensor, Tensor>, ITracingInputs
{
    private readonly TorchSharp.Modules.Linear lin;

    public HoldsLinear() : base(nameof(HoldsLinear))
    {
        lin = nn.Linear(8, 4);
        RegisterComponents();
    }

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(3 + i, 8) }).ToArray();

    public override Tensor forward(Tensor x) => lin.forward(x).relu();
}

[CompileMode(JitMode.Trace)]
public partial class ThrowsInForward : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public ThrowsInForward() : base(nameof(ThrowsInForward))
    {
    }

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(3 + i, 8) }).ToArray();

    public override Tensor forward(Tensor x) => Fail(x) * 2.0;

    private static Tensor Fail(Tensor x) => throw new InvalidOperationException("the user's own error");
}

[CompileMode(JitMode.Unsupported)]
public partial class NotCompilable : nn.Module<Tensor, Tensor>
{
    public NotCompilable() : base(nameof(NotCompilable))
    {
    }

    public override Tensor forward(Tensor x) => x * 2.0;
}

/// <summary>Tracing errors lead with their cause and keep the user's exception (issue 17).</summary>
public class TraceMessageTests
{
    [Fact]
    public void TraceOfAnUnsupportedModuleSaysSo()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<NotSupportedException>(() => TorchScript.Trace(new NotCompilable(), randn(3, 4)));
        Assert.Equal("NotCompilable does not support TorchScript compilation", e.Message);
        e = Assert.Throws<NotSupportedException>(() => TorchScript.Script(new NotCompilable()));
        Assert.Equal("NotCompilable does not support TorchScript compilation", e.Message);
    }

    [Fact]
    public void AFreeLastDimensionIsNamedFirst()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsAny<Exception>(() => TorchScript.Compile(new HoldsLinear()));
        Assert.IsType<E3Sharp.Jit.Tracing.TracingException>(e);
        Assert.StartsWith("HoldsLinear is traced with its last dimension free (ITracingInputs.FixedLastDimension is " +
                          "false), and 'linear' fails when the inputs' free dimensions change: if the last dimension is " +
                          "a feature size (as for nn.Linear), implement FixedLastDimension => true on HoldsLinear.", e.Message);
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied", e.Message);
    }

    [Fact]
    public void AnExceptionInForwardIsNotMasked()
    {
        using var scope = NewDisposeScope();
        var e = Assert.ThrowsAny<Exception>(() => TorchScript.Compile(new ThrowsInForward()));
        // The user's exception itself, not a tracer message about free dimensions.
        Assert.IsType<InvalidOperationException>(e);
        Assert.Equal("the user's own error", e.Message);
    }
}
