using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Tests.Jit.Compile;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

/// <summary>A traced module that evaluates differently without autograd (the same function, other operations); with
/// <c>branchWithAutograd</c> its autograd formulation also branches on the batch size, which a trace cannot keep.</summary>
[CompileMode(JitMode.Trace)]
public sealed partial class GradModeSplit : nn.Module<Tensor, Tensor>, ITracingInputs
{
    public GradModeSplit(bool branchWithAutograd) : base(nameof(GradModeSplit)) => BranchWithAutograd = branchWithAutograd;

    public bool BranchWithAutograd { get; }

    public override Tensor forward(Tensor x)
    {
        if (!TorchScript.GradEnabled)
        {
            return (x + x).add(1.0);
        }

        if (BranchWithAutograd && x.shape[0] > 3)
        {
            return x * 3.0;
        }

        return x.mul(2.0).add(1.0);
    }

    /// <summary>Batch 2 (traced), then 5, 6, ... (checks).</summary>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n) =>
        Enumerable.Range(0, n).Select(i => new[] { randn(i == 0 ? 2 : 4 + i, 3) }).ToArray();

    public bool FixedLastDimension => true;
}

public class GradModeTraceTests
{
    private static string Code(jit.ScriptModule compiled) =>
        string.Join("\n", TorchScriptArchiveReader.Read(TorchScriptArchive.SaveToBytes(compiled)).Code.Values);

    [Fact]
    public void AForwardThatAsksForTheGradModeIsTracedOncePerMode()
    {
        using var scope = NewDisposeScope();
        var module = new GradModeSplit(branchWithAutograd: false);
        var compiled = TorchScript.Compile(module);
        var code = Code(compiled);
        Assert.Contains("def forward_grad(", code);
        Assert.Contains("def forward_no_grad(", code);
        Assert.Contains("if torch.is_grad_enabled():", code);
        // Each trace recorded its own formulation.
        Assert.Contains("torch.mul(x, 2.", code);
        Assert.Contains("torch.add(x, x)", code);

        var x = randn(6, 3);
        var expected = x * 2 + 1;
        var xg = x.clone().requires_grad_(true);
        var withGrad = (Tensor)compiled.forward(xg)!;
        Assert.True(withGrad.requires_grad);
        Assert.Equal(0.0, (withGrad.detach() - expected).abs().max().item<float>());
        withGrad.sum().backward();
        Assert.Equal(0.0, (xg.grad! - 2).abs().max().item<float>());
        Tensor withoutGrad;
        using (no_grad())
        {
            withoutGrad = (Tensor)compiled.forward(x)!;
        }
        Assert.False(withoutGrad.requires_grad);
        Assert.Equal(0.0, (withoutGrad - expected).abs().max().item<float>());

        var archive = TorchScriptArchive.SaveToBytes(compiled);
        Interop.Record("grad_mode_split", archive, "forward", [x], [expected]);
        Interop.Record("grad_mode_split_no_grad", archive, "forward", [x], [expected], noGrad: true);
    }

    [Fact]
    public void AForwardThatDoesNotAskIsTracedOnce()
    {
        using var scope = NewDisposeScope();
        var code = Code(TorchScript.Compile(new RowScale()));
        Assert.DoesNotContain("forward_no_grad", code);
        Assert.DoesNotContain("forward_grad", code);
    }

    [Fact]
    public void TheTraceCheckRunsInBothModes()
    {
        // Without autograd the module traces cleanly; its autograd trace bakes in the batch-size branch.
        using var scope = NewDisposeScope();
        var e = Assert.Throws<InvalidOperationException>(() => TorchScript.Compile(new GradModeSplit(branchWithAutograd: true)));
        Assert.StartsWith("Trace check failed for GradModeSplit with autograd: on tracing input 1 of 2 (shapes [5, 3]) the " +
                          "output differs by up to", e.Message);
    }
}
