using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>Scripted parent of a traced Norm: keeps the norms when one exceeds 7, halves them otherwise.</summary>
[CompileMode(JitMode.Script)]
public partial class ScriptedBranch : nn.Module<Tensor, Tensor>
{
    private readonly Norm norm;

    public ScriptedBranch(Irreps irreps) : base(nameof(ScriptedBranch))
    {
        norm = new Norm(irreps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var n = norm.call(x);
        if (torch.any(n > 7.0).item<bool>())
        {
            return n;
        }

        return n * 0.5;
    }
}

/// <summary>Scripted: the first row of the norms with an entry above 0.1, else all the norms.</summary>
[CompileMode(JitMode.Script)]
public partial class ScriptedFirstRow : nn.Module<Tensor, Tensor>
{
    private readonly Norm norm;

    public ScriptedFirstRow(Irreps irreps) : base(nameof(ScriptedFirstRow))
    {
        norm = new Norm(irreps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var n = norm.call(x);
        for (long i = 0; i < n.shape[0]; i++)
        {
            var row = n[i];
            if (torch.any(row > 0.1).item<bool>())
            {
                return row;
            }
        }

        return n;
    }
}

/// <summary>No mode: traced with TorchScript.Trace around a scripted child.</summary>
public partial class TracedAround : nn.Module<Tensor, Tensor>
{
    private readonly ScriptedFirstRow first;

    public TracedAround(Irreps irreps) : base(nameof(TracedAround))
    {
        first = new ScriptedFirstRow(irreps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => first.call(x) + 3.0;
}

/// <summary>Traced middle level: a scripted child (itself around a traced Norm) plus an equivariant Linear.</summary>
[CompileMode(JitMode.Trace)]
public partial class TracedMiddle : nn.Module<Tensor, Tensor>, ITracingInputs
{
    private readonly ScriptedBranch branch;
    private readonly E3Sharp.O3.Modules.Linear proj;
    private readonly Irreps irreps;

    public TracedMiddle(Irreps irreps) : base(nameof(TracedMiddle))
    {
        this.irreps = irreps;
        branch = new ScriptedBranch(irreps);
        proj = new E3Sharp.O3.Modules.Linear(irreps, "3x0e");
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => branch.call(x) * 2.0 + proj.call(x);

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { irreps.Randn(2 + i, -1) }).ToArray();

    public bool FixedLastDimension => true;
}

/// <summary>Scripted top of a three-level mix: zeroes the result when any entry exceeds 100.</summary>
[CompileMode(JitMode.Script)]
public partial class ScriptedOuter : nn.Module<Tensor, Tensor>
{
    private readonly TracedMiddle middle;

    public ScriptedOuter(Irreps irreps) : base(nameof(ScriptedOuter))
    {
        middle = new TracedMiddle(irreps);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = middle.call(x);
        if (torch.any(y > 100.0).item<bool>())
        {
            return y * 0.0;
        }

        return y;
    }
}

/// <summary>A traced module whose forward branches on the batch size: a trace records one branch only.</summary>
[CompileMode(JitMode.Trace)]
public partial class BatchSizeBranch : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public BatchSizeBranch() : base(nameof(BatchSizeBranch))
    {
    }

    public override Tensor forward(Tensor x)
    {
        if (x.shape[0] > 3)
        {
            return x * 2.0;
        }

        return x + 1.0;
    }

    /// <summary>Batch 2 (traced), then 5, 6, ... (checks).</summary>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(i == 0 ? 2 : 4 + i, 3) }).ToArray();

    public bool FixedLastDimension => true;
}

/// <summary>No mode: traced around a TorchScript module loaded from a file.</summary>
public partial class AroundLoaded : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> lin;
    private readonly jit.ScriptModule<Tensor, Tensor> loaded;

    public AroundLoaded(jit.ScriptModule<Tensor, Tensor> loaded) : base(nameof(AroundLoaded))
    {
        lin = nn.Linear(2, 2);
        this.loaded = loaded;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x) => loaded.call(lin.call(x)) * 2.0;
}

/// <summary>Scripted around a TorchScript module loaded from a file.</summary>
[CompileMode(JitMode.Script)]
public partial class ScriptedAroundLoaded : nn.Module<Tensor, Tensor>
{
    private readonly jit.ScriptModule<Tensor, Tensor> loaded;

    public ScriptedAroundLoaded(jit.ScriptModule<Tensor, Tensor> loaded) : base(nameof(ScriptedAroundLoaded))
    {
        this.loaded = loaded;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = loaded.call(x);
        if (torch.any(y < 0.0).item<bool>())
        {
            return y * -1.0;
        }

        return y;
    }
}
