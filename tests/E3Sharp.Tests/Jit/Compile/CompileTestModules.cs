using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;


public sealed partial class NoMode : nn.Module<Tensor, Tensor>
{
    public NoMode() : base(nameof(NoMode)) { }

    public override Tensor forward(Tensor x) => x;
}

[CompileMode(JitMode.Trace)]
public partial class TracedBase : nn.Module<Tensor, Tensor>
{
    public TracedBase() : base("TracedBase") { }

    public override Tensor forward(Tensor x) => x * 2.0;
}

public sealed partial class TracedDerived : TracedBase
{
}

[CompileMode(JitMode.Script)]
public sealed partial class ScriptedOverride : nn.Module<Tensor, Tensor>
{
    public ScriptedOverride() : base(nameof(ScriptedOverride)) { }

    public override Tensor forward(Tensor x) => x;
}

[CompileMode(JitMode.Unsupported)]
public sealed partial class ChildMod : nn.Module<Tensor, Tensor>
{
    public ChildMod() : base(nameof(ChildMod)) { }

    public override Tensor forward(Tensor x) => x;
}

/// <summary>A traced module that counts how often it was asked for tracing inputs.</summary>
[CompileMode(JitMode.Trace)]
public sealed partial class CountingTraced : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public CountingTraced() : base(nameof(CountingTraced)) { }

    public int TracingInputsMade { get; private set; }

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        TracingInputsMade++;
        return [[ones(2, 3)]];
    }

    public override Tensor forward(Tensor x) => x + 1.0;
}

public sealed partial class Wrapper : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module items;

    public Wrapper(nn.Module items) : base(nameof(Wrapper))
    {
        this.items = items;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => x;
}

public sealed partial class Supermod : nn.Module<Tensor, Tensor>
{
    private readonly CountingTraced first;
    private readonly Wrapper second;

    public Supermod(CountingTraced first, Wrapper second) : base(nameof(Supermod))
    {
        this.first = first;
        this.second = second;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => second.call(first.call(x));
}

[CompileMode(JitMode.Trace)]
public sealed partial class UnsupportedInside : nn.Module<Tensor, Tensor>
{
    private readonly ChildMod child = new();

    public UnsupportedInside() : base(nameof(UnsupportedInside)) => RegisterComponents();

    public override Tensor forward(Tensor x) => child.call(x);
}
