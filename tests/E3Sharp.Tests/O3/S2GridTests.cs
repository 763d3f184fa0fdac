using System.Text.Json;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>s2_grid and its helpers, ToS2Grid and FromS2Grid against e3nn 0.5.6 (Data/reference/parity/parity_s2.json).</summary>
public class S2GridTests
{
    private static JsonDocument Load() => Reference.Load(Path.Combine("parity", "parity_s2"));

    private static string Key(ScalarType dtype) => dtype == ScalarType.Float64 ? "float64" : "float32";

    private static (int? Beta, int? Alpha) Res(JsonElement res) => res.ValueKind switch
    {
        JsonValueKind.Null => (null, null),
        JsonValueKind.Number => (res.GetInt32(), null),
        _ => (res[0].GetInt32(), res[1].GetInt32()),
    };

    private static int? IntOrNull(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : e.GetInt32();

    [Fact]
    public void GridHelpersMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var root = doc.RootElement;
        foreach (var g in root.GetProperty("s2_grid").EnumerateObject())
        {
            var parts = g.Name.Split('x').Select(int.Parse).ToArray();
            var (betas, alphas) = S2Grid.Grid(parts[0], parts[1], ScalarType.Float64);
            AssertClose(Reference.ToTensor(g.Value.GetProperty("betas")), betas, 1e-14, "betas " + g.Name);
            AssertClose(Reference.ToTensor(g.Value.GetProperty("alphas")), alphas, 1e-14, "alphas " + g.Name);
        }

        foreach (var q in root.GetProperty("quadrature_weights").EnumerateArray())
        {
            var b = q.GetProperty("b").GetInt32();
            AssertClose(Reference.ToTensor(q.GetProperty("float64")), tensor(S2Grid.QuadratureWeights(b)), 1e-15, $"quadrature b={b}");
        }

        var s = root.GetProperty("sh_s2_grid");
        var (_, _, shb, sha) = S2Grid.SphericalHarmonicsS2Grid(3, 8, 7, ScalarType.Float64);
        AssertClose(Reference.ToTensor(s.GetProperty("shb")), shb, 1e-12, "shb");
        AssertClose(Reference.ToTensor(s.GetProperty("sha")), sha, 1e-12, "sha");

        var em = root.GetProperty("expand_matrix");
        AssertClose(Reference.ToTensor(em.GetProperty("float64")), S2Grid.ExpandMatrix(new[] { 0, 2, 1 }, ScalarType.Float64), 0,
            "expand_matrix");

        var rf = root.GetProperty("rfft");
        AssertClose(Reference.ToTensor(rf.GetProperty("float64")), S2Grid.Rfft(Reference.ToTensor(rf.GetProperty("x")), 3), 1e-12, "rfft");
        var irf = root.GetProperty("irfft");
        AssertClose(Reference.ToTensor(irf.GetProperty("float64")), S2Grid.Irfft(Reference.ToTensor(irf.GetProperty("x")), 11), 1e-12,
            "irfft");

        // The FFTs equal the matrix forms the modules use (e3nn's docstring identities).
        var (_, _, _, sha9) = S2Grid.SphericalHarmonicsS2Grid(4, 10, 9, ScalarType.Float64);
        var x = randn(new long[] { 3, 9 }, ScalarType.Float64);
        AssertClose(x.mm(sha9), S2Grid.Rfft(x, 4), 1e-12, "rfft = x @ sha");
        var c = randn(new long[] { 3, 9 }, ScalarType.Float64);
        AssertClose(c.mm(sha9.t()), S2Grid.Irfft(c, 9), 1e-12, "irfft = sha @ x");

        Assert.Equal((4, 10, 9), S2Grid.CompleteLmaxRes(4, null, null));
        Assert.Equal((4, 10, 11), S2Grid.CompleteLmaxRes(null, 10, 11));
        Assert.Throws<ArgumentException>(() => S2Grid.CompleteLmaxRes(4, 7, null));
        Assert.Throws<ArgumentException>(() => S2Grid.CompleteLmaxRes(4, 6, null));
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void ToS2GridMatchesE3nnEagerAndCompiled(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var i = 0;
        foreach (var c in doc.RootElement.GetProperty("to_s2_grid").EnumerateArray())
        {
            var (rb, ra) = Res(c.GetProperty("res"));
            var m = new ToS2Grid(c.GetProperty("lmax").GetInt32(), rb, ra, c.GetProperty("normalization").GetString()!, dtype);
            Assert.Equal(c.GetProperty("repr").GetString(), m.ToString());
            var x = Reference.ToTensor(c.GetProperty("x")).to(dtype);
            var expected = Reference.ToTensor(c.GetProperty(Key(dtype)));
            AssertClose(expected, m.forward(x), ReferenceTolerance(dtype), $"eager {m}");
            AssertClose(Reference.ToTensor(c.GetProperty("grid")), m.Grid, dtype == ScalarType.Float64 ? 1e-14 : 1e-6, $"grid {m}");
            var compiled = Assertions.AssertAutoJitable(m);
            var y = (Tensor)compiled.invoke("forward", x);
            AssertClose(expected, y, ReferenceTolerance(dtype), $"compiled {m}");
            Interop.Record($"parity_to_s2_grid_{i}_{Key(dtype)}", TorchScriptArchive.SaveToBytes(compiled), "forward",
                new[] { x }, new[] { y });
            i++;
        }
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void FromS2GridMatchesE3nnEagerAndCompiled(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var i = 0;
        foreach (var c in doc.RootElement.GetProperty("from_s2_grid").EnumerateArray())
        {
            var (rb, ra) = Res(c.GetProperty("res"));
            var m = new FromS2Grid(rb, ra, IntOrNull(c.GetProperty("lmax")), c.GetProperty("normalization").GetString()!,
                IntOrNull(c.GetProperty("lmax_in")), dtype);
            Assert.Equal(c.GetProperty("repr").GetString(), m.ToString());
            var x = Reference.ToTensor(c.GetProperty("x")).to(dtype);
            var expected = Reference.ToTensor(c.GetProperty(Key(dtype)));
            AssertClose(expected, m.forward(x), ReferenceTolerance(dtype), $"eager {m}");
            var compiled = Assertions.AssertAutoJitable(m);
            var y = (Tensor)compiled.invoke("forward", x);
            AssertClose(expected, y, ReferenceTolerance(dtype), $"compiled {m}");
            Interop.Record($"parity_from_s2_grid_{i}_{Key(dtype)}", TorchScriptArchive.SaveToBytes(compiled), "forward",
                new[] { x }, new[] { y });
            i++;
        }
    }

    [Fact]
    public void RoundTripIsTheIdentityAndEquivariant()
    {
        using var scope = NewDisposeScope();
        var to = new ToS2Grid(4, 12, 13, dtype: ScalarType.Float64);
        var from = new FromS2Grid(12, 13, 4, dtype: ScalarType.Float64);
        var irreps = new Irreps("0e + 1o + 2e + 3o + 4e");
        var x = irreps.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        AssertClose(x, from.forward(to.forward(x)), 1e-12, "FromS2Grid(ToS2Grid(x))");
        Assertions.AssertEquivariant(args => new[] { from.forward(to.forward(args[0])) }, new Irreps?[] { irreps },
            new Irreps?[] { irreps }, () => new[] { irreps.Randn(new long[] { 3, -1 }, ScalarType.Float64, null) });
    }

    [Fact]
    public void WrongInputsGiveClearErrorsEagerAndCompiled()
    {
        using var scope = NewDisposeScope();
        var to = new ToS2Grid(2, 6, dtype: ScalarType.Float32);
        var ex = Assert.Throws<ArgumentException>(() => to.forward(zeros(2, 8)));
        Assert.Contains("ToS2Grid(lmax=2", ex.Message);
        Assert.Contains("[2, 8]", ex.Message);
        var from = new FromS2Grid(6, 7, 2, dtype: ScalarType.Float32);
        Assert.Contains("betas", Assert.Throws<ArgumentException>(() => from.forward(zeros(2, 8, 7))).Message);
        Assert.Contains("FromS2Grid", Assert.Throws<ArgumentException>(() => from.forward(zeros(2, 6, 5))).Message);
        Assert.Throws<ArgumentException>(() => new ToS2Grid(2, 6, normalization: "unit"));
        var compiled = E3Sharp.Jit.TorchScript.Compile(to);
        var err = Assert.ThrowsAny<Exception>(() => compiled.invoke("forward", zeros(2, 8)));
        Assert.Contains("ToS2Grid", err.Message);
    }
}
