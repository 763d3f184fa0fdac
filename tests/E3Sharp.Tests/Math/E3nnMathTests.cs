using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests;

/// <summary>e3nn.math against e3nn 0.5.6 (Data/reference/parity/parity.json), eager and compiled.</summary>
public class E3nnMathTests
{
    private static Tensor T(JsonElement e) => Reference.ToTensor(e);

    private static JsonDocument Load() => Reference.Load(Path.Combine("parity", "parity"));

    public static IEnumerable<object[]> Cases()
    {
        foreach (var basis in E3nnMath.Bases)
        {
            foreach (var cutoff in new[] { true, false })
            {
                foreach (var config in new[] { 0, 1 })
                {
                    yield return new object[] { basis, cutoff, config };
                }
            }
        }
    }

    private static (Tensor X, double Start, double End, int Number, Tensor Y64, Tensor Y32) Case(JsonElement root, string basis,
        bool cutoff, int config)
    {
        var soft = root.GetProperty("soft_one_hot_linspace");
        var cfg = soft.GetProperty("configs")[config];
        var c = soft.GetProperty("cases").EnumerateArray().Single(e =>
            e.GetProperty("config").GetInt32() == config && e.GetProperty("basis").GetString() == basis &&
            e.GetProperty("cutoff").GetBoolean() == cutoff);
        return (T(cfg.GetProperty("x")), cfg.GetProperty("start").GetDouble(), cfg.GetProperty("end").GetDouble(),
            cfg.GetProperty("number").GetInt32(), T(c.GetProperty("float64")), T(c.GetProperty("float32")));
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SoftOneHotLinspaceMatchesE3nnEagerAndCompiled(string basis, bool cutoff, int config)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var (x, start, end, number, y64, y32) = Case(doc.RootElement, basis, cutoff, config);
        AssertClose(y64, E3nnMath.SoftOneHotLinspace(x, start, end, number, basis, cutoff), 1e-10, "float64 eager");
        AssertClose(y32, E3nnMath.SoftOneHotLinspace(x.to(ScalarType.Float32), start, end, number, basis, cutoff), 1e-5,
            "float32 eager");

        // Compiled (traced in the default dtype, float32): the grid constants follow the input's dtype.
        var module = new SoftOneHotLinspace(start, end, number, basis, cutoff);
        var compiled = Assertions.AssertAutoJitable(module, strictShapes: false);
        var c64 = (Tensor)compiled.invoke("forward", x);
        var c32 = (Tensor)compiled.invoke("forward", x.to(ScalarType.Float32));
        AssertClose(y64, c64, 1e-10, "float64 compiled");
        AssertClose(y32, c32, 1e-5, "float32 compiled");
        if (config == 1)
        {
            var bytes = TorchScriptArchive.SaveToBytes(compiled);
            var name = $"parity_soft_one_hot_{basis}_{(cutoff ? "cut" : "nocut")}";
            Interop.Record(name + "_f64", bytes, "forward", new[] { x }, new[] { c64 });
            Interop.Record(name + "_f32", bytes, "forward", new[] { x.to(ScalarType.Float32) }, new[] { c32 });
        }
    }

    [Fact]
    public void SoftOneHotLinspaceRejectsUnknownBasisAndTooFewFunctions()
    {
        using var scope = NewDisposeScope();
        var x = zeros(3);
        var e = Assert.Throws<ArgumentException>(() => E3nnMath.SoftOneHotLinspace(x, 0, 1, 4, "hermite", true));
        Assert.Contains("basis=\"hermite\"", e.Message);
        Assert.Throws<ArgumentException>(() => E3nnMath.SoftOneHotLinspace(x, 0, 1, 1, "gaussian", false));
        Assert.Throws<ArgumentException>(() => new SoftOneHotLinspace(0, 1, 0, "bessel", true));
    }

    [Fact]
    public void SoftUnitStepMatchesE3nnWithItsGradient()
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var r = doc.RootElement.GetProperty("soft_unit_step");
        var x = T(r.GetProperty("x")).requires_grad_(true);
        var y = E3nnMath.SoftUnitStep(x);
        AssertClose(T(r.GetProperty("float64")), y, 1e-12, "float64");
        var grad = torch.autograd.grad(new[] { y.sum() }, new[] { x })[0];
        AssertClose(T(r.GetProperty("grad_float64")), grad, 1e-12, "gradient");
        AssertClose(T(r.GetProperty("float32")), E3nnMath.SoftUnitStep(x.detach().to(ScalarType.Float32)), 1e-6, "float32");

        var compiled = Assertions.AssertAutoJitable(new SoftUnitStep(), strictShapes: false);
        var c64 = (Tensor)compiled.invoke("forward", x.detach());
        AssertClose(T(r.GetProperty("float64")), c64, 1e-12, "compiled float64");
        var c32 = (Tensor)compiled.invoke("forward", x.detach().to(ScalarType.Float32));
        AssertClose(T(r.GetProperty("float32")), c32, 1e-6, "compiled float32");
        var bytes = TorchScriptArchive.SaveToBytes(compiled);
        Interop.Record("parity_soft_unit_step_f64", bytes, "forward", new[] { x.detach() }, new[] { c64 });
        Interop.Record("parity_soft_unit_step_f32", bytes, "forward", new[] { x.detach().to(ScalarType.Float32) }, new[] { c32 });
    }

    [Fact]
    public void Normalize2MomEstimatesE3nnsConstants()
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var expected = doc.RootElement.GetProperty("normalize2mom").EnumerateArray()
            .ToDictionary(e => e.GetProperty("name").GetString()!, e => e.GetProperty("cst").GetDouble());
        // e3nn draws 10^6 float64 normals from torch.Generator().manual_seed(0); TorchSharp's generator gives the
        // same samples, so the estimate agrees to the rounding of the mean.
        Assert.Equal(expected["softsign"], E3nnMath.Normalize2Mom(torch.nn.Softsign()).Cst, 1e-12);
        Assert.Equal(expected["elu"], E3nnMath.Normalize2Mom(torch.nn.ELU()).Cst, 1e-12);
        Assert.Equal(expected["identity"], E3nnMath.Normalize2Mom(torch.nn.Identity()).Cst, 1e-12);
        Assert.Equal(Math.Pow(expected["identity"], -2), E3nnMath.Moment(torch.nn.Identity(), 2), 1e-12);
    }

    [Fact]
    public void ScriptedParentUsesTheMathModulesAsTracedChildren()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var module = new RadialEmbeddingScripted(5.0, 8, new[] { 8, 16, 4 });
        var inputs = new List<Tensor[]>
        {
            new[] { randn(new long[] { 7, 3 }, dtype: ScalarType.Float32) },
            new[] { randn(new long[] { 11, 3 }, dtype: ScalarType.Float32) },
        };
        var compiled = Assertions.AssertAutoJitable(module, strictShapes: false, exampleInputs: inputs);
        var description = TorchScript.Describe(compiled);
        Assert.Contains("RadialEmbeddingScripted: scripted", description);
        Assert.Contains("embed: SoftOneHotLinspace: traced", description);
        var expected = module.forward(inputs[1][0]);
        var actual = (Tensor)compiled.invoke("forward", inputs[1][0]);
        AssertClose(expected, actual, 1e-6, "scripted parent");
        Interop.Record("parity_radial_embedding_scripted_f32", TorchScriptArchive.SaveToBytes(compiled), "forward",
            inputs[1], new[] { actual });
    }
}

/// <summary>A scripted module (data-dependent branch) with the e3nn.math modules and a FullyConnectedNet as children.</summary>
[CompileMode(JitMode.Script)]
public partial class RadialEmbeddingScripted : nn.Module<Tensor, Tensor>
{
    private readonly SoftOneHotLinspace embed;
    private readonly SoftUnitStep step;
    private readonly FullyConnectedNet fc;
    private readonly double _rMax;

    public RadialEmbeddingScripted(double rMax, int number, int[] hs) : base(nameof(RadialEmbeddingScripted))
    {
        _rMax = rMax;
        embed = new SoftOneHotLinspace(0.0, rMax, number, "smooth_finite", cutoff: true);
        step = new SoftUnitStep();
        fc = new FullyConnectedNet(hs, torch.nn.SiLU());
        RegisterComponents();
    }

    public override Tensor forward(Tensor vectors)
    {
        var lengths = vectors.pow(2).sum(-1).sqrt();
        var weights = fc.call(embed.call(lengths));
        if (lengths.numel() == 0)
        {
            return weights;
        }

        // e3nn's smooth cutoff envelope 1 - step(10 (x / r_max - 1)) ... written with the soft unit step.
        var envelope = step.call(lengths.div(_rMax).neg().add(1.0).mul(10.0));
        return weights.mul(envelope.unsqueeze(-1));
    }
}
