using System.Text.Json;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>o3.ReducedTensorProducts against e3nn 0.5.6 (Data/reference/parity/parity_rtp.json): the change of basis
/// itself (e3nn's algorithm is deterministic: same orthonormalisation order and signs), the output irreps, eager and
/// compiled forwards in float64 and float32, equivariance and the PyTorch 1.13 archive.</summary>
public class ReducedTensorProductsTests
{
    private static JsonElement Case(JsonDocument doc, int index) =>
        doc.RootElement.GetProperty("reduced_tensor_products")[index];

    internal static ReducedTensorProducts Build(JsonElement c, ScalarType dtype)
    {
        var irreps = c.GetProperty("irreps").EnumerateObject().ToDictionary(p => p.Name[0], p => new Irreps(p.Value.GetString()!));
        static IEnumerable<Irrep>? Filter(JsonElement e) =>
            e.ValueKind == JsonValueKind.Null ? null : e.EnumerateArray().Select(x => new Irrep(x.GetString()!)).ToList();
        return new ReducedTensorProducts(c.GetProperty("formula").GetString()!, irreps,
            Filter(c.GetProperty("filter_ir_out")), Filter(c.GetProperty("filter_ir_mid")), dtype: dtype);
    }

    private static Tensor Call(ReducedTensorProducts m, Tensor[] xs) => xs.Length switch
    {
        1 => m.forward(xs[0]),
        2 => m.forward(xs[0], xs[1]),
        3 => m.forward(xs[0], xs[1], xs[2]),
        _ => m.forward(xs[0], xs[1], xs[2], xs[3]),
    };

    public static TheoryData<int> Cases => new() { 0, 1, 2, 3, 4, 5, 6, 7, 8 };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ChangeOfBasisAndIrrepsMatchE3nn(int index)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_rtp"));
        var c = Case(doc, index);
        var m = Build(c, ScalarType.Float64);
        Assert.Equal(c.GetProperty("irreps_out").GetString(), m.IrrepsOut.ToString());
        Assert.Equal(c.GetProperty("irreps_in").EnumerateArray().Select(x => x.GetString()), m.IrrepsIn.Select(x => x.ToString()));
        Assert.Equal(c.GetProperty("repr").GetString(), m.ToString());
        AssertClose(Reference.ToTensor(c.GetProperty("change_of_basis")), m.ChangeOfBasis, 1e-12, "change_of_basis float64");
        var m32 = Build(c, ScalarType.Float32);
        AssertClose(Reference.ToTensor(c.GetProperty("change_of_basis_float32")), m32.ChangeOfBasis, 1e-7, "change_of_basis float32");
        Assert.Equal(new[] { "change_of_basis" }, m.state_dict().Keys);
    }

    [Theory]
    [InlineData(0, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    [InlineData(2, ScalarType.Float64)]
    [InlineData(3, ScalarType.Float32)]
    [InlineData(3, ScalarType.Float64)]
    [InlineData(4, ScalarType.Float64)]
    [InlineData(5, ScalarType.Float32)]
    [InlineData(6, ScalarType.Float64)]
    [InlineData(7, ScalarType.Float32)]
    [InlineData(8, ScalarType.Float64)]
    [InlineData(8, ScalarType.Float32)]
    public void MatchesE3nnEagerAndCompiled(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_rtp"));
        var c = Case(doc, index);
        var m = Build(c, dtype);
        var xs = c.GetProperty("xs").EnumerateArray().Select(x => Reference.ToTensor(x).to(dtype)).ToArray();
        var expected = Reference.ToTensor(c.GetProperty(dtype == ScalarType.Float64 ? "float64" : "float32"));
        var tol = ReferenceTolerance(dtype);
        AssertClose(expected, Call(m, xs), tol, "eager");

        var compiled = Assertions.AssertAutoJitable(m);
        var y = (Tensor)compiled.invoke("forward", xs.Cast<object>().ToArray());
        AssertClose(expected, y, tol, "compiled");
        Assertions.AssertEquivariant(m);
        Interop.Record($"parity_rtp_{index}_{(dtype == ScalarType.Float64 ? "f64" : "f32")}",
            TorchScriptArchive.SaveToBytes(compiled), "forward", xs, new[] { y });
    }

    [Fact]
    public void DocstringExamplesAndErrors()
    {
        using var scope = NewDisposeScope();
        var cross = new ReducedTensorProducts("ij=-ji", new Dictionary<char, Irreps> { ['i'] = "1o" }, dtype: ScalarType.Float64);
        var x = tensor(new[] { 1.0, 0.0, 0.0 });
        var y = tensor(new[] { 0.0, 1.0, 0.0 });
        AssertClose(zeros(3, dtype: ScalarType.Float64), cross.forward(x, y).add(cross.forward(y, x)), 1e-15, "antisymmetric");
        var sym4 = new ReducedTensorProducts("ijkl=jikl=ikjl=ijlk", new Dictionary<char, Irreps> { ['i'] = "1e" });
        Assert.Equal("1x0e+1x2e+1x4e", sym4.IrrepsOut.ToString());
        // e3nn's docstring identity: forward = change_of_basis contracted with the inputs.
        var sym = new ReducedTensorProducts("ij=ji", new Dictionary<char, Irreps> { ['i'] = "1o" }, dtype: ScalarType.Float64);
        var (a, b) = (randn(3, dtype: ScalarType.Float64), randn(3, dtype: ScalarType.Float64));
        AssertClose(einsum("zij,i,j->z", sym.ChangeOfBasis, a, b), sym.forward(a, b), 1e-12, "einsum");

        var i1o = new Dictionary<char, Irreps> { ['i'] = "1o" };
        Assert.Throws<ArgumentException>(() => new ReducedTensorProducts("ij=ji", new Dictionary<char, Irreps> { ['i'] = "1o", ['j'] = "1e" }));
        Assert.Throws<ArgumentException>(() => new ReducedTensorProducts("ij", i1o));
        Assert.Throws<ArgumentException>(() => new ReducedTensorProducts("ij=ji", new Dictionary<char, Irreps> { ['i'] = "1o", ['k'] = "1o" }));
        Assert.Throws<ArgumentException>(() => new ReducedTensorProducts("ij=ik", i1o));
        Assert.Throws<ArgumentException>(() => new ReducedTensorProducts("ij=ji", i1o, filterIrOut: new[] { new Irrep("3o") }));
        var e = Assert.Throws<ArgumentException>(() => sym.forward(a));
        Assert.Contains("takes 2 input", e.Message);
        var shape = Assert.Throws<ArgumentException>(() => sym.forward(randn(2, 4, dtype: ScalarType.Float64), b));
        Assert.Contains("x0", shape.Message);
        // Refusals start with the module's description, as every module's do (the catalogue's bad-input check).
        Assert.StartsWith(sym.ToString() + ": input 'x0'", shape.Message, StringComparison.Ordinal);
    }
}
