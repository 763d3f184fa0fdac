using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Jit.Tracing;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;
using O3Linear = E3Sharp.O3.Modules.Linear;

namespace E3Sharp.Tests.Jit.Tracing;

/// <summary>Every O3/Nn module traces: the loaded archive gives the eager outputs and gradients on inputs of other
/// batch sizes than the traced one.</summary>
public class ModuleTracingTests
{
    private static Tensor[] Inputs(IIrrepsModule module, long batch, ScalarType dtype) =>
        module.IrrepsIn.Select(irreps => irreps.Randn(new[] { batch, -1L }, dtype, CPU)).ToArray();

    private static Tensor[] Outputs(object result) => result switch
    {
        Tensor t => [t],
        Tensor[] a => a,
        IEnumerable<Tensor> e => e.ToArray(),
        _ => Interop.Flatten(result),
    };

    /// <summary>Traces on batch 3, then compares outputs (batches 1, 4, 50) and gradients (inputs and parameters).</summary>
    internal static void CheckModule(string name, nn.Module module, Func<long, Tensor[]> makeInputs,
        Func<Tensor[], object> eager, double tol)
    {
        var context = new CompileContext();
        var ir = Tracer.Trace(module, makeInputs(3), context, fixedLastDimension: true);
        var archive = TorchScriptArchive.Write(ir);
        using var loaded = TorchScriptArchive.Load(archive);
        foreach (var batch in new long[] { 1, 4, 50 })
        {
            var inputs = makeInputs(batch);
            var expected = Outputs(eager(inputs));
            var actual = Outputs(loaded.forward(inputs.Cast<object>().ToArray()));
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                TracerEndToEndTests.AssertClose(expected[i], actual[i], tol);
            }
        }

        // gradients w.r.t. floating inputs and parameters
        var xs = makeInputs(5);
        var xe = xs.Select(x => x.is_floating_point() ? x.detach().clone().requires_grad_(true) : x).ToArray();
        var xl = xs.Select(x => x.is_floating_point() ? x.detach().clone().requires_grad_(true) : x).ToArray();
        module.zero_grad();
        var outE = Outputs(eager(xe));
        var outL = Outputs(loaded.forward(xl.Cast<object>().ToArray()));
        var coefficients = outE.Select(o => randn_like(o)).ToArray();
        var lossE = outE.Select((o, i) => (o * coefficients[i]).sum()).Aggregate((a, b) => a + b);
        var lossL = outL.Select((o, i) => (o * coefficients[i]).sum()).Aggregate((a, b) => a + b);
        if (lossE.requires_grad)
        {
            lossE.backward();
            lossL.backward();
            for (var i = 0; i < xe.Length; i++)
            {
                if (xe[i].requires_grad && xe[i].grad is { } g)
                {
                    TracerEndToEndTests.AssertClose(g, xl[i].grad!, tol);
                }
            }

            var loadedParams = loaded.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            foreach (var (pname, p) in module.named_parameters())
            {
                Assert.True(loadedParams.ContainsKey(pname), $"{name}: parameter '{pname}' missing after tracing");
                Assert.True(loadedParams[pname].requires_grad, $"{name}: parameter '{pname}' is not trainable after loading");
                if (p.grad is { } pg)
                {
                    TracerEndToEndTests.AssertClose(pg, loadedParams[pname].grad!, tol);
                }
            }
        }

        var recordInputs = makeInputs(2);
        Interop.Record("tracing_" + name, archive, "forward", recordInputs,
            Outputs(loaded.forward(recordInputs.Cast<object>().ToArray())));
    }

    private static void CheckIrrepsModule(string name, nn.Module module, ScalarType dtype, Func<Tensor[], object> eager)
    {
        var m = (IIrrepsModule)module;
        CheckModule(name, module, b => Inputs(m, b, dtype), eager, dtype == ScalarType.Float64 ? 1e-10 : 1e-5);
    }

    [Fact]
    public void TensorProductsTrace()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var f64 = ScalarType.Float64;
        var fc = new FullyConnectedTensorProduct("2x0e+1x1o+1x2e", "1x0e+2x1o", "3x0e+2x1o+1x2e", dtype: f64);
        CheckIrrepsModule("fctp", fc, f64, a => fc.forward(a[0], a[1]));
        var fc32 = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: ScalarType.Float32);
        CheckIrrepsModule("fctp32", fc32, ScalarType.Float32, a => fc32.forward(a[0], a[1]));
        var el = new ElementwiseTensorProduct("2x0e+2x1o", "2x1e+2x0o", dtype: f64);
        CheckIrrepsModule("elementwise_tp", el, f64, a => el.forward(a[0], a[1]));
        var full = new FullTensorProduct("1x0e+1x1o", "1x1o+1x2e", dtype: f64);
        CheckIrrepsModule("full_tp", full, f64, a => full.forward(a[0], a[1]));
        var square = new TensorSquare("2x0e+1x1o", dtype: f64);
        CheckIrrepsModule("tensor_square", square, f64, a => square.forward(a[0]));
        var modes = new TensorProduct("2x0e+2x1o", "2x0e+2x1o", "2x0e+4x1e+1x1e+2x1o+2x0e",
            new[]
            {
                new Instruction(0, 0, 0, "uuu", true), new Instruction(1, 1, 1, "uvuv", true),
                new Instruction(1, 1, 2, "uvu<v", true), new Instruction(1, 0, 3, "uvu", false),
                new Instruction(0, 1, 3, "uvv", true), new Instruction(1, 1, 4, "uuw", true),
            }, dtype: f64);
        CheckIrrepsModule("tp_modes", modes, f64, a => modes.forward(a[0], a[1]));
    }

    [Fact]
    public void TensorProductWithWeightInputTraces()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var f64 = ScalarType.Float64;
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", sharedWeights: false, dtype: f64);
        CheckModule("fctp_weights", tp,
            b => [tp.IrrepsIn1.Randn(new[] { b, -1L }, f64, CPU), tp.IrrepsIn2.Randn(new[] { b, -1L }, f64, CPU), randn(b, tp.WeightNumel, dtype: f64)],
            a => tp.forward(a[0], a[1], a[2]), 1e-10);
    }

    [Fact]
    public void NormLinearAndSphericalHarmonicsTrace()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var f64 = ScalarType.Float64;
        var norm = new Norm("2x0e+1x1o+1x2e", dtype: f64);
        CheckIrrepsModule("norm", norm, f64, a => norm.forward(a[0]));
        var squared = new Norm("2x1o+1x2e", squared: true, dtype: f64);
        CheckIrrepsModule("norm_squared", squared, f64, a => squared.forward(a[0]));
        var lin = new O3Linear("2x0e+3x1o+1x0e+2x2e", "3x0e+2x1o+1x2e+1x0o", biases: true, dtype: f64);
        CheckIrrepsModule("linear", lin, f64, a => lin.forward(a[0]));
        var sh = new SphericalHarmonics(new[] { 0, 1, 2, 3 }, normalize: true, "component");
        CheckIrrepsModule("spherical_harmonics", sh, ScalarType.Float32, a => sh.forward(a[0]));
    }

    [Fact]
    public void NnModulesTrace()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var f64 = ScalarType.Float64;
        var act = new Activation("2x0e+2x0o+1x1o+3x0o", new nn.Module<Tensor, Tensor>?[] { nn.GELU(), nn.Tanh(), null, new Abs() });
        act.to(f64);
        CheckIrrepsModule("activation", act, f64, a => act.forward(a[0]));
        var extract = new Extract("1e+0e+0e+2x1o", new Irreps[] { "0e+0e", "2x1o+1e" }, new[] { new[] { 1, 2 }, new[] { 3, 0 } });
        CheckIrrepsModule("extract", extract, f64, a => extract.forward(a[0]));
        var extractIr = new ExtractIr("1e+0e+0e+2x1e", "1e");
        CheckIrrepsModule("extract_ir", extractIr, f64, a => extractIr.forward(a[0]));
        var sortcut = new Sortcut("2x1o+0e", "1e+0o");
        CheckIrrepsModule("sortcut", sortcut, f64, a => sortcut.forward(a[0]));
        var gate = new Gate("4x0e+2x0o", new nn.Module<Tensor, Tensor>?[] { nn.SiLU(), nn.Tanh() }, "3x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1e+2x2o", dtype: f64);
        CheckIrrepsModule("gate", gate, f64, a => gate.forward(a[0]));
        var n2m = new Normalize2Mom(nn.Tanh());
        CheckModule("normalize2mom", n2m, b => [randn(b, 7, dtype: f64)], a => n2m.forward(a[0]), 1e-10);
    }
}
