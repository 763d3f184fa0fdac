using System.Text.Json;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>Legendre, spherical_harmonics_alpha(_beta) and SphericalHarmonicsAlphaBeta against e3nn 0.5.6
/// (Data/reference/parity/parity_s2.json).</summary>
public class SphericalHarmonicsAlphaBetaTests
{
    private static JsonDocument Load() => Reference.Load(Path.Combine("parity", "parity_s2"));

    private static string Key(ScalarType dtype) => dtype == ScalarType.Float64 ? "float64" : "float32";

    private static (Tensor Alpha, Tensor Beta) Angles(JsonElement root, ScalarType dtype) =>
        (Reference.ToTensor(root.GetProperty("angles").GetProperty("alpha")).to(dtype),
         Reference.ToTensor(root.GetProperty("angles").GetProperty("beta")).to(dtype));

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void LegendreMatchesE3nnEagerAndCompiled(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var (_, beta) = Angles(doc.RootElement, dtype);
        var i = 0;
        foreach (var c in doc.RootElement.GetProperty("legendre").EnumerateArray())
        {
            var ls = Reference.ToIntArray(c.GetProperty("ls"));
            var expected = Reference.ToTensor(c.GetProperty(Key(dtype)));
            var z = beta.cos();
            var y = beta.sin().abs();
            AssertClose(expected, SphericalHarmonicsAlphaBetaMath.Legendre(ls, z, y), ReferenceTolerance(dtype), $"Legendre {i}");
            var module = new Legendre(ls);
            var compiled = Assertions.AssertAutoJitable(module, strictShapes: false);
            var got = (Tensor)compiled.invoke("forward", z, y);
            AssertClose(expected, got, ReferenceTolerance(dtype), $"compiled Legendre {i}");
            Interop.Record($"parity_legendre_{i}_{Key(dtype)}", TorchScriptArchive.SaveToBytes(compiled), "forward",
                new[] { z, y }, new[] { got });
            i++;
        }
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void AlphaMatchesE3nn(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var (alpha, _) = Angles(doc.RootElement, dtype);
        foreach (var c in doc.RootElement.GetProperty("sh_alpha").EnumerateArray())
        {
            var l = c.GetProperty("l").GetInt32();
            AssertClose(Reference.ToTensor(c.GetProperty(Key(dtype))), SphericalHarmonicsAlphaBetaMath.Alpha(l, alpha),
                ReferenceTolerance(dtype), $"spherical_harmonics_alpha l={l}");
        }
    }

    private static SphericalHarmonicsAlphaBeta Build(JsonElement c)
    {
        var norm = c.GetProperty("normalization").GetString()!;
        var ls = c.GetProperty("ls");
        return ls.ValueKind switch
        {
            JsonValueKind.String => new SphericalHarmonicsAlphaBeta(new Irreps(ls.GetString()!), norm),
            JsonValueKind.Number => new SphericalHarmonicsAlphaBeta(new[] { ls.GetInt32() }, norm),
            _ => new SphericalHarmonicsAlphaBeta(Reference.ToIntArray(ls), norm),
        };
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void AlphaBetaMatchesE3nnEagerAndCompiled(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var (alpha, beta) = Angles(doc.RootElement, dtype);
        var tol = ReferenceTolerance(dtype);
        var i = 0;
        foreach (var c in doc.RootElement.GetProperty("sh_alpha_beta").EnumerateArray())
        {
            var expected = Reference.ToTensor(c.GetProperty(Key(dtype)));
            var module = Build(c);
            AssertClose(expected, module.forward(alpha, beta), tol, $"eager {module}");
            AssertClose(expected, SphericalHarmonicsAlphaBetaMath.Compute(module.Ls, alpha, beta, module.Normalization), tol,
                $"function {module}");

            // Independent of e3nn: the cartesian harmonics of the same direction.
            var xyz = Rotations.AnglesToXyz(alpha, beta);
            AssertClose(SphericalHarmonicsMath.Compute(module.Ls.ToArray(), xyz, true, module.Normalization),
                module.forward(alpha, beta), dtype == ScalarType.Float64 ? 1e-10 : 1e-5, $"cartesian {module}");

            var compiled = Assertions.AssertAutoJitable(module, strictShapes: false);
            var got = (Tensor)compiled.invoke("forward", alpha, beta);
            AssertClose(expected, got, tol, $"compiled {module}");
            Interop.Record($"parity_sh_alpha_beta_{i}_{Key(dtype)}", TorchScriptArchive.SaveToBytes(compiled), "forward",
                new[] { alpha, beta }, new[] { got });
            i++;
        }
    }

    [Fact]
    public void IsEquivariantThroughTheAnglesOfAVector()
    {
        using var scope = NewDisposeScope();
        // e3nn's sense: rotating the vector whose angles are the input rotates the output by D^l.
        var module = new SphericalHarmonicsAlphaBeta(new Irreps("1x0e + 1x1o + 1x2e + 1x3o"));
        Assertions.AssertEquivariant(args =>
            {
                var (alpha, beta) = Rotations.XyzToAngles(args[0]);
                return new[] { module.forward(alpha, beta) };
            },
            new Irreps?[] { new Irreps("1x1o") }, new Irreps?[] { new Irreps("1x0e + 1x1o + 1x2e + 1x3o") },
            () => new[] { randn(new long[] { 5, 3 }, ScalarType.Float64) });
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new SphericalHarmonicsAlphaBeta(new[] { 1 }, "unit"));
        Assert.Throws<ArgumentException>(() => new SphericalHarmonicsAlphaBeta(Array.Empty<int>()));
        Assert.Throws<ArgumentException>(() => new Legendre(new[] { -1 }));
        using var scope = NewDisposeScope();
        var module = new SphericalHarmonicsAlphaBeta(new[] { 1 });
        // A scalar angle pair gives one vector of harmonics, as e3nn's reshape(alpha.shape + (dim,)).
        AssertClose(module.forward(full(1, 0.3), full(1, 1.2))[0], module.forward(tensor(0.3f), tensor(1.2f)), 0, "scalar angles");
        var ex = Assert.Throws<ArgumentException>(() => module.forward(zeros(3, dtype: ScalarType.Int64), zeros(3, dtype: ScalarType.Int64)));
        Assert.Contains("SphericalHarmonicsAlphaBeta", ex.Message);
    }
}
