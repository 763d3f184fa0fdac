// The consumer app of build/test-package.sh (issue 16): a fresh console app that references the E3Sharp package and
// nothing else. `check DIR`: a scripted module with a traced E3Sharp child (Norm) and a TorchSharp built-in child
// (nn.Linear) runs eager, compiles with TorchScript.Compile, is saved to DIR/model.pt with the input and the eager
// output beside it (for PyTorch to compare). `startup [ANCHOR]`: the first construct + TorchScript.Compile of
// FullyConnectedTensorProduct("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e") in this process, after LibTorch's
// own TorchScript start (loading and running ANCHOR, a TorchScript file, once).
using System.Diagnostics;
using System.Globalization;
using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length >= 2 && args[0] == "check")
{
    Check(args[1]);
}
else if (args.Length >= 1 && args[0] == "startup")
{
    Startup(args.Length >= 2 ? args[1] : null);
}
else
{
    Console.Error.WriteLine("usage: Consumer check DIR | startup [ANCHOR]");
    return 2;
}

return 0;

static void Check(string dir)
{
    manual_seed(0);
    using var model = new Model(new Irreps("2x0e + 1x1o + 1x2e"), 3);
    model.eval();
    using var x = randn(6, 10) * 3.0;
    using var eager = model.call(x);
    using var compiled = TorchScript.Compile(model);
    using var fromCompiled = compiled.call(x);
    var diff = (eager - fromCompiled).abs().max().item<float>();
    Console.WriteLine(TorchScript.Describe(compiled));
    Console.WriteLine($"eager vs compiled (C#): max |diff| = {diff:G3}");
    if (!(diff < 1e-5))
    {
        throw new InvalidOperationException($"compiled output differs from eager by {diff}");
    }

    torch.jit.save(compiled, Path.Combine(dir, "model.pt"));
    File.WriteAllText(Path.Combine(dir, "input.txt"), Text(x));
    File.WriteAllText(Path.Combine(dir, "expected.txt"), Text(eager));
}

static void Startup(string? anchorPath)
{
    set_num_threads(1);  // as bench/E3Sharp.CompileBench
    var libTorchStart = Stopwatch.StartNew();
    if (anchorPath is not null)
    {
        using var anchor = torch.jit.load<Tensor, Tensor, Tensor>(anchorPath);
        using var scope = NewDisposeScope();
        anchor.call(randn(4, 32 * 9), randn(4, 9));
    }

    var startMs = libTorchStart.Elapsed.TotalMilliseconds;
    var jitBefore = System.Runtime.JitInfo.GetCompilationTime();
    var methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
    var first = Stopwatch.StartNew();
    using var tp = new FullyConnectedTensorProduct("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e");
    var constructMs = first.Elapsed.TotalMilliseconds;
    TorchScript.Compile(tp).Dispose();
    var totalMs = first.Elapsed.TotalMilliseconds;
    var jitMs = (System.Runtime.JitInfo.GetCompilationTime() - jitBefore).TotalMilliseconds;
    var methods = System.Runtime.JitInfo.GetCompiledMethodCount() - methodsBefore;
    var warm = Stopwatch.StartNew();
    TorchScript.Compile(tp).Dispose();
    CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
    Console.WriteLine(
        $"first construct + compile: {totalMs:F0} ms (construct {constructMs:F0} ms, compile {totalMs - constructMs:F0} ms, " +
        $".NET JIT {jitMs:F0} ms of it, {methods} methods); second compile {warm.Elapsed.TotalMilliseconds:F0} ms; " +
        (anchorPath is null ? "LibTorch's TorchScript start included" : $"LibTorch's TorchScript start before it: {startMs:F0} ms"));
}

static string Text(Tensor t) =>
    string.Join(" ", t.shape) + "\n" +
    string.Join(" ", t.data<float>().ToArray().Select(v => v.ToString("R", CultureInfo.InvariantCulture))) + "\n";

/// <summary>
/// Scripted (data-dependent branch) around a traced E3Sharp child and a TorchSharp built-in child.
/// </summary>
[CompileMode(JitMode.Script)]
public partial class Model : nn.Module<Tensor, Tensor>
{
    private readonly Norm norm;
    private readonly nn.Module<Tensor, Tensor> linear;

    /// <summary>Norms of the irreps, mixed by a linear layer.</summary>
    public Model(Irreps irreps, int outputs) : base(nameof(Model))
    {
        norm = new Norm(irreps);
        linear = nn.Linear(irreps.NumIrreps, outputs);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        var n = norm.call(x);
        var y = linear.call(n);
        if (torch.any(n > 7.0).item<bool>())
        {
            return y.tanh();
        }

        return y * 0.5;
    }
}
