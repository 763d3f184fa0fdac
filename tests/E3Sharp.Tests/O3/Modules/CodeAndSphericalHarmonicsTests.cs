using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary><see cref="TorchScript.Code"/> and the functional <see cref="SphericalHarmonics.Compute(IReadOnlyList{int}, Tensor, bool, string)"/>.</summary>
public class CodeAndSphericalHarmonicsTests
{
    [Fact]
    public void CodeShowsTheSourceOfTheModuleAndItsSubmodules()
    {
        using var scope = NewDisposeScope();
        var module = new RadialEmbeddingScripted(5.0, 8, new[] { 8, 4 });
        var compiled = TorchScript.Compile(module);
        var code = TorchScript.Code(compiled);
        var files = TorchScript.CodeFiles(compiled);
        Assert.NotEmpty(files);
        foreach (var (path, text) in files)
        {
            Assert.StartsWith("code/", path);
            Assert.Contains("# " + path + "\n", code);
            Assert.Contains(text.TrimEnd('\n'), code);
        }

        // The scripted parent's branch, and the children's classes with their forwards.
        Assert.Contains("class RadialEmbeddingScripted(Module):", code);
        Assert.Contains("class SoftOneHotLinspace(Module):", code);
        Assert.Contains("class FullyConnectedNet(Module):", code);
        Assert.Contains("def forward(", code);
        Assert.Contains("if ", code);
    }

    [Fact]
    public void ComputeMatchesE3nnsFunctionalSphericalHarmonics()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity"));
        var r = doc.RootElement.GetProperty("spherical_harmonics");
        var x = Reference.ToTensor(r.GetProperty("x"));
        foreach (var c in r.GetProperty("cases").EnumerateArray())
        {
            var ls = c.GetProperty("ls");
            var normalize = c.GetProperty("normalize").GetBoolean();
            var normalization = c.GetProperty("normalization").GetString()!;
            Tensor Eval(Tensor v) => ls.ValueKind == JsonValueKind.Number
                ? SphericalHarmonics.Compute(ls.GetInt32(), v, normalize, normalization)
                : SphericalHarmonics.Compute(Reference.ToIntArray(ls), v, normalize, normalization);
            AssertClose(Reference.ToTensor(c.GetProperty("float64")), Eval(x), 1e-12, $"{ls} float64");
            AssertClose(Reference.ToTensor(c.GetProperty("float32")), Eval(x.to(ScalarType.Float32)), 1e-5, $"{ls} float32");
        }
    }
}
