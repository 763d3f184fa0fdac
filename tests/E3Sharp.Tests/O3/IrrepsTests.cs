using System.Text.Json;
using CsCheck;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>Irrep / Irreps against e3nn 0.5.6 (Data/reference/irreps.json).</summary>
public class IrrepsTests
{
    private static readonly JsonDocument Doc = Reference.Load("irreps");
    private static JsonElement Cases => Doc.RootElement.GetProperty("cases");
    private static JsonElement Extra => Doc.RootElement.GetProperty("extra");

    public static TheoryData<int, string> ValidCases()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in Cases.EnumerateArray())
        {
            if (!c.TryGetProperty("error", out _))
            {
                data.Add(i, c.GetProperty("input").GetString()!);
            }
            i++;
        }
        return data;
    }

    public static TheoryData<int, string> InvalidCases()
    {
        var data = new TheoryData<int, string>();
        var i = 0;
        foreach (var c in Cases.EnumerateArray())
        {
            if (c.TryGetProperty("error", out _))
            {
                data.Add(i, c.GetProperty("input").GetString()!);
            }
            i++;
        }
        return data;
    }

    [Fact]
    public void ReferenceHas29Cases24Valid()
    {
        Assert.Equal(29, Cases.GetArrayLength());
        Assert.Equal(24, ValidCases().Count());
        Assert.Equal(5, InvalidCases().Count());
    }

    private static readonly HashSet<string> CheckedFields =
    [
        "input", "repr", "len", "list", "dim", "num_irreps", "ls", "lmax", "lmax_error_if_empty", "simplify",
        "remove_zero_multiplicities", "sort", "sort_then_simplify", "slices", "count_0e", "count_1o", "contains_1e",
        "times_2", "plus_0e", "randn_shape_(2,-1)", "randn_shape_(3,-1,4)", "getitem_1", "slice_1:",
    ];

    [Theory]
    [MemberData(nameof(ValidCases))]
    public void MatchesE3nn(int index, string input)
    {
        var c = Cases[index];
        // Every field of the reference is checked below; a new field must not be silently skipped.
        Assert.All(c.EnumerateObject(), p => Assert.Contains(p.Name, CheckedFields));

        var irreps = new Irreps(input);
        Assert.Equal(S(c, "repr"), irreps.ToString());
        Assert.Equal(irreps, Irreps.Parse(irreps.ToString()));
        Assert.Equal(c.GetProperty("len").GetInt32(), irreps.Length);
        Assert.Equal(c.GetProperty("len").GetInt32(), irreps.Count());
        var list = c.GetProperty("list").EnumerateArray().Select(Reference.ToIntArray).ToArray();
        Assert.Equal(list, irreps.Select(x => new[] { x.Mul, x.Ir.L, x.Ir.P }).ToArray());
        Assert.Equal(list.Select(e => new MulIr(e[0], new Irrep(e[1], e[2]))), irreps);
        Assert.Equal(c.GetProperty("dim").GetInt32(), irreps.Dim);
        Assert.Equal(c.GetProperty("num_irreps").GetInt32(), irreps.NumIrreps);
        Assert.Equal(Reference.ToIntArray(c.GetProperty("ls")), irreps.Ls);

        var lmax = c.GetProperty("lmax");
        if (lmax.ValueKind == JsonValueKind.Null)
        {
            var e = Assert.Throws<InvalidOperationException>(() => irreps.Lmax);
            // e3nn: "ValueError: Cannot get lmax of empty Irreps"
            var expected = S(c, "lmax_error_if_empty")!.Replace("ValueError: ", "");
            Assert.StartsWith(expected, e.Message);
        }
        else
        {
            Assert.Equal(lmax.GetInt32(), irreps.Lmax);
            Assert.Equal(JsonValueKind.Null, c.GetProperty("lmax_error_if_empty").ValueKind);
        }

        Assert.Equal(S(c, "simplify"), irreps.Simplify().ToString());
        Assert.Equal(S(c, "remove_zero_multiplicities"), irreps.RemoveZeroMultiplicities().ToString());
        var sort = irreps.Sort();
        var refSort = c.GetProperty("sort");
        Assert.Equal(S(refSort, "irreps"), sort.Irreps.ToString());
        Assert.Equal(Reference.ToIntArray(refSort.GetProperty("p")), sort.P);
        Assert.Equal(Reference.ToIntArray(refSort.GetProperty("inv")), sort.Inv);
        Assert.Equal(S(c, "sort_then_simplify"), irreps.Regroup().ToString());

        var slices = c.GetProperty("slices").EnumerateArray().Select(Reference.ToIntArray).ToArray();
        Assert.Equal(slices, irreps.Slices().Select(s => new[] { s.Start, s.Stop }).ToArray());

        Assert.Equal(c.GetProperty("count_0e").GetInt32(), irreps.Count(new Irrep("0e")));
        Assert.Equal(c.GetProperty("count_1o").GetInt32(), irreps.Count("1o"));
        Assert.Equal(c.GetProperty("contains_1e").GetBoolean(), irreps.Contains("1e"));
        Assert.Equal(S(c, "times_2"), (irreps * 2).ToString());
        Assert.Equal(S(c, "times_2"), (2 * irreps).ToString());
        Assert.Equal(S(c, "plus_0e"), (irreps + "0e").ToString());

        using (var x = irreps.Randn(2, -1))
        {
            Assert.Equal(Reference.ToIntArray(c.GetProperty("randn_shape_(2,-1)")).Select(v => (long)v), x.shape);
        }
        using (var x = irreps.Randn(3, -1, 4))
        {
            Assert.Equal(Reference.ToIntArray(c.GetProperty("randn_shape_(3,-1,4)")).Select(v => (long)v), x.shape);
        }
        using (var x = irreps.Randn([3, -1, 4], ScalarType.Float64, null, "norm"))
        {
            Assert.Equal(Reference.ToIntArray(c.GetProperty("randn_shape_(3,-1,4)")).Select(v => (long)v), x.shape);
        }

        if (c.TryGetProperty("getitem_1", out var item1))
        {
            var e = Reference.ToIntArray(item1);
            Assert.Equal(new MulIr(e[0], new Irrep(e[1], e[2])), irreps[1]);
            Assert.Equal(S(c, "slice_1:"), irreps[1..].ToString());
        }
        else
        {
            // e3nn raises IndexError for irreps[1] when there is a single entry (the generator skipped these).
            Assert.True(irreps.Length <= 1);
            var e = Assert.Throws<IndexOutOfRangeException>(() => irreps[1]);
            Assert.Contains($"Index 1 is out of range for Irreps \"{irreps}\"", e.Message);
            Assert.Equal("", irreps[Math.Min(1, irreps.Length)..].ToString());
        }
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void InvalidStringsRaiseE3nnMessage(int index, string input)
    {
        var c = Cases[index];
        Assert.Equal("ValueError", S(c, "error"));
        var e = Assert.Throws<FormatException>(() => new Irreps(input));
        // e3nn's message, followed by what is wrong.
        Assert.StartsWith(S(c, "message")!, e.Message);
        Assert.Contains($"term \"{input}\" is invalid", e.Message);
        Assert.False(Irreps.TryParse(input, out _));
    }

    [Theory]
    [InlineData("-1x1e", "multiplicity must be non-negative, got -1")]
    [InlineData("1x-1e", "the degree l must be non-negative, got -1")]
    [InlineData("bla", "the degree \"bl\" is not an integer")]
    [InlineData("1x1q", "the parity 'q' must be 'e' (even), 'o' (odd) or 'y' ((-1)^l)")]
    [InlineData("x1e", "multiplicity \"\" is not an integer")]
    [InlineData("1x2x3e", "more than one 'x'")]
    [InlineData("1e+", "term \"\" is invalid")]
    [InlineData("1X1e", "the degree \"1X1\" is not an integer")]
    public void InvalidStringMessagesExplainTheProblem(string input, string reason)
    {
        var e = Assert.Throws<FormatException>(() => new Irreps(input));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void InvalidTermIsNamedAndWholeStringQuoted()
    {
        var e = Assert.Throws<FormatException>(() => new Irreps("2x0e + 1xq"));
        Assert.Equal(
            "Unable to convert string \"2x0e + 1xq\" into an Irreps: term \"1xq\" is invalid (irrep \"q\": expected a degree "
            + "l followed by a parity 'e', 'o' or 'y', e.g. \"1o\"; expected [mul 'x'] l parity, e.g. \"2x1o\").",
            e.Message);
        var e2 = Assert.Throws<FormatException>(() => { Irreps implicitlyConverted = "0e + 3xz1"; });
        Assert.Contains("\"0e + 3xz1\"", e2.Message);
        Assert.Contains("term \"3xz1\" is invalid", e2.Message);
    }

    [Fact]
    public void WhitespaceAndParityY()
    {
        Assert.Equal("16x1e+32x2o", new Irreps(" 16x1e + 32 x 2o ").ToString());
        Assert.Equal("1x1o+1x2e+3x3o", new Irreps("1y+2y+3x3y").ToString());
        Assert.Equal(Irreps.Empty, new Irreps("   "));
        Assert.Empty(new Irreps(""));
        Assert.Equal("1x0e", new Irreps("0e").ToString());
        Assert.True(Irreps.TryParse("2x0e+1o", out var parsed));
        Assert.Equal("2x0e+1x1o", parsed.ToString());
    }

    [Fact]
    public void ExtraIrrepArithmetic()
    {
        var extra = Extra;
        Assert.Equal(S(extra, "Irrep('1y')"), new Irrep("1y").ToString());
        Assert.Equal(S(extra, "Irrep('2y')"), Irrep.Parse("2y").ToString());
        Assert.Equal(extra.GetProperty("Irrep(2,-1).dim").GetInt32(), new Irrep(2, -1).Dim);
        Assert.Equal(Strings(extra.GetProperty("list(Irrep('1o')*Irrep('2e'))")),
            (new Irrep("1o") * new Irrep("2e")).Select(ir => ir.ToString()));
        Assert.Equal(Strings(extra.GetProperty("list(Irrep('2e')*Irrep('2e'))")),
            (new Irrep("2e") * new Irrep("2e")).Select(ir => ir.ToString()));
        Assert.Equal(S(extra, "3*Irrep('6o')"), (3 * new Irrep("6o")).ToString());
        Assert.Equal(S(extra, "Irrep('4o')+Irrep('7e')"), (new Irrep("4o") + new Irrep("7e")).ToString());
        Assert.Equal(S(extra, "2*Irreps('2x2e + 4x1o')"), (2 * new Irreps("2x2e + 4x1o")).ToString());
        Assert.Equal(S(extra, "Irreps('1o + 4o') + Irreps('1o + 7e')"),
            (new Irreps("1o + 4o") + new Irreps("1o + 7e")).ToString());
        Assert.Equal(S(extra, "Irreps.spherical_harmonics(3)"), Irreps.SphericalHarmonics(3).ToString());
        Assert.Equal(S(extra, "Irreps.spherical_harmonics(4, p=1)"), Irreps.SphericalHarmonics(4, p: 1).ToString());
        Assert.Equal(S(extra, "Irreps([(100,(0,1)),(50,(1,1))])"),
            new Irreps(new[] { (100, new Irrep(0, 1)), (50, new Irrep(1, 1)) }).ToString());
        Assert.Equal(S(extra, "Irreps([(16,'3e'),'1e',(256,(1,-1))])"),
            new Irreps(new MulIr(16, "3e"), new MulIr(1, "1e"), (256, new Irrep(1, -1))).ToString());
        Assert.Equal(Strings(extra.GetProperty("Irrep.iterator(2)")), Irrep.Iterator(2).Select(ir => ir.ToString()));
        Assert.Equal(S(extra, "Irreps('0e + 0o + 1e + 1o').sort().irreps"),
            new Irreps("0e + 0o + 1e + 1o").Sort().Irreps.ToString());
    }

    [Fact]
    public void SortOrderIsE3nnTupleOrder()
    {
        Assert.Contains("0o < 0e < 1o < 1e", S(Extra, "sorting_order_note"));
        var expected = new[] { "0o", "0e", "1o", "1e", "2o", "2e" };
        var sorted = Irrep.Iterator(2).OrderBy(ir => ir).Select(ir => ir.ToString());
        Assert.Equal(expected, sorted);
        Assert.True(new Irrep("0o") < new Irrep("0e"));
        Assert.True(new Irrep("0e") < new Irrep("1o"));
        Assert.True(new Irrep("1e") > new Irrep("1o"));
        Assert.True(new Irrep("2e") >= new Irrep("2e"));
        Assert.Equal(0, new Irrep("3o").CompareTo(new Irrep(3, -1)));
    }

    [Fact]
    public void ExtraErrorsAreRaised()
    {
        Assert.Equal("ValueError", S(Extra, "Irreps('-1x1e') error"));
        Assert.Contains("multiplicity must be non-negative, got -1",
            Assert.Throws<FormatException>(() => new Irreps("-1x1e")).Message);

        Assert.Equal("ValueError", S(Extra, "Irrep('-1e') error"));
        var e1 = Assert.Throws<FormatException>(() => new Irrep("-1e"));
        Assert.Equal("Unable to convert string \"-1e\" into an Irrep: the degree l must be non-negative, got -1.", e1.Message);

        Assert.Equal("ValueError", S(Extra, "Irrep(1, p=2) error"));
        var e2 = Assert.Throws<ArgumentOutOfRangeException>(() => new Irrep(1, 2));
        Assert.StartsWith("Irrep parity p must be one of (-1, 1), got 2.", e2.Message);
        var e3 = Assert.Throws<ArgumentOutOfRangeException>(() => new Irrep(-3, 1));
        Assert.StartsWith("Irrep degree l must be a non-negative integer, got -3.", e3.Message);
        var e4 = Assert.Throws<ArgumentOutOfRangeException>(() => new MulIr(-2, "1o"));
        Assert.StartsWith("Multiplicity must be a non-negative integer, got -2 (for irrep 1o).", e4.Message);
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => new Irreps(new[] { (-1, new Irrep(0, 1)) }));
        Assert.StartsWith("Multiplicity must be a non-negative integer, got -1", e5.Message);
        var e6 = Assert.Throws<FormatException>(() => Irrep.Parse("2q"));
        Assert.Equal("Unable to convert string \"2q\" into an Irrep: the parity 'q' must be 'e' (even), 'o' (odd) or 'y' ((-1)^l).", e6.Message);
        var e7 = Assert.Throws<ArgumentOutOfRangeException>(() => Irreps.SphericalHarmonics(2, p: 0));
        Assert.StartsWith("Parity p must be one of (-1, 1), got 0.", e7.Message);
        var e8 = Assert.Throws<ArgumentOutOfRangeException>(() => new Irreps("1o") * -1);
        Assert.StartsWith("Cannot repeat Irreps \"1x1o\" a negative number of times (-1).", e8.Message);
        Assert.False(Irrep.TryParse("1", out _));
        Assert.False(Irrep.TryParse(null, out _));
    }

    [Fact]
    public void IrrepBasics()
    {
        var ir = new Irrep(2, -1);
        Assert.Equal(2, ir.L);
        Assert.Equal(-1, ir.P);
        Assert.Equal(5, ir.Dim);
        Assert.Equal("2o", ir.ToString());
        Assert.False(ir.IsScalar());
        Assert.True(new Irrep("0e").IsScalar());
        Assert.False(new Irrep("0o").IsScalar());
        Assert.Equal(new Irrep("0e"), default);
        Assert.Equal(new Irrep(2, -1), (Irrep)"2o");
        Assert.NotEqual(new Irrep(2, 1), ir);
        var (l, p) = ir;
        Assert.Equal((2, -1), (l, p));
        Assert.Equal(new[] { "0e", "0o", "1o", "1e" }, Irrep.Iterator().Take(4).Select(i => i.ToString()));
        Assert.Equal(new[] { "0e", "0o" }, Irrep.Iterator(0).Select(i => i.ToString()));
        Assert.Contains(new Irrep("2e"), new Irrep("1o") * new Irrep("1o"));
        Assert.Equal("1x1o+1x2o", (new Irrep("1o") + "2o").ToString());
    }

    [Fact]
    public void IrrepsValueSemantics()
    {
        var a = new Irreps("2x0e + 1o");
        Irreps b = "2x0e+1x1o";
        Assert.True(a == b);
        Assert.False(a != b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.True(a.Equals((object)b));
        Assert.NotEqual(a, new Irreps("1x0e+1x0e+1x1o"));
        Assert.Equal(new MulIr(1, "1o"), a[^1]);
        Assert.Equal("2x0e", a[..1].ToString());
        Assert.Equal(3, a[1].Dim);
        Assert.Equal(2, a[0].Dim);
        Assert.Equal("2x1o", new MulIr(2, "1o").ToString());
        Assert.Equal(new Irreps("1x1e"), new Irreps(new Irrep("1e")));
        Assert.Equal(new Irreps("1x1e+1x0o"), new Irreps(new[] { new Irrep("1e"), new Irrep("0o") }));
        Assert.Equal("1x0e+2x0e+1x1o", ("0e" + a).ToString());
        var slices = new Irreps("2x0e+1x1o").Slices();
        Assert.Equal(new IrrepsSlice(2, 5), slices[1]);
        Assert.Equal(3, slices[1].Length);
        Assert.Equal(2..5, (Range)slices[1]);
    }

    [Fact]
    public void LmaxOfAllZeroMultiplicitiesFails()
    {
        // e3nn: max([]) raises ValueError; "4x0e + 0x3e" ignores the zero-multiplicity 3e.
        Assert.Equal(0, new Irreps("4x0e + 0x3e").Lmax);
        var e = Assert.Throws<InvalidOperationException>(() => new Irreps("0x2e").Lmax);
        Assert.Equal("Cannot get lmax of Irreps \"0x2e\": all multiplicities are zero, so it holds no irrep.", e.Message);
    }

    [Fact]
    public void ToStringParseRoundTrip()
    {
        var genMulIr = Gen.Select(Gen.Int[0, 40], Gen.Int[0, 12], Gen.Bool, (mul, l, odd) => new MulIr(mul, new Irrep(l, odd ? -1 : 1)));
        genMulIr.Array[0, 7].Sample(items =>
        {
            var irreps = new Irreps(items);
            var text = irreps.ToString();
            Assert.Equal(irreps, new Irreps(text));
            Assert.Equal(text, new Irreps(text).ToString());
            Assert.Equal(items.Sum(x => x.Dim), irreps.Dim);
            Assert.All(items, x => Assert.Equal(x.Ir, Irrep.Parse(x.Ir.ToString())));
        });
    }

    [Fact]
    public void LooselyFormattedStringsParse()
    {
        // Random e3nn-accepted spellings: optional "1x", spaces around tokens, 'y' parity.
        var genTerm = Gen.Select(Gen.Int[0, 30], Gen.Int[0, 9], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 2])
            .Select(t =>
            {
                var (mul, l, parity, style, spaces) = t;
                var p = parity switch { 0 => 1, 1 => -1, _ => l % 2 == 0 ? 1 : -1 };
                var pc = parity switch { 0 => "e", 1 => "o", _ => "y" };
                var sp = new string(' ', spaces);
                var text = style switch
                {
                    0 when mul == 1 => $"{sp}{l}{pc}{sp}",
                    1 => $"{sp}{mul}{sp}x{sp}{l}{pc}{sp}",
                    _ => $"{mul}x{l}{pc}",
                };
                return (Text: text, Item: new MulIr(mul, new Irrep(l, p)));
            });
        genTerm.Array[1, 6].Sample(terms =>
        {
            var parsed = new Irreps(string.Join("+", terms.Select(t => t.Text)));
            Assert.Equal(new Irreps(terms.Select(t => t.Item)), parsed);
        });
    }

    [Fact]
    public void RandnShapeErrors()
    {
        var irreps = new Irreps("2x0e+1x1o");
        var e1 = Assert.Throws<ArgumentException>(() => irreps.Randn(2, 3));
        Assert.StartsWith("Irreps(\"2x0e+1x1o\").Randn: shape [2, 3] must contain exactly one -1 (replaced by dim = 5).", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => irreps.Randn(-1, -1));
        Assert.StartsWith("Irreps(\"2x0e+1x1o\").Randn: shape [-1, -1] must contain exactly one -1", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => irreps.Randn(-2, -1));
        Assert.StartsWith("Irreps(\"2x0e+1x1o\").Randn: shape [-2, -1] has a negative size other than the single -1.", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => irreps.Randn([-1], null, null, "integral"));
        Assert.StartsWith("Normalization needs to be 'norm' or 'component', got 'integral'.", e4.Message);
        using var scalar = irreps.Randn(-1);
        Assert.Equal(new long[] { 5 }, scalar.shape);
    }

    [Fact]
    public void RandnComponentStatistics()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(1234);
        var irreps = new Irreps("3x0e+2x1o+1x2e");
        var x = irreps.Randn([20000, -1], ScalarType.Float64, null, "component", gen);
        Assert.Equal(new long[] { 20000, 14 }, x.shape);
        Assert.Equal(ScalarType.Float64, x.dtype);
        Assert.False(x.requires_grad);
        // 280k samples: the standard error of the mean is ~0.002, of the variance ~0.003.
        Assert.InRange(x.mean().item<double>(), -0.01, 0.01);
        Assert.InRange(x.var().item<double>(), 0.985, 1.015);
        // Each component separately.
        var perComponentVar = x.var(0);
        Assert.InRange(perComponentVar.min().item<double>(), 0.95, 1.05);
        Assert.InRange(perComponentVar.max().item<double>(), 0.95, 1.05);
    }

    [Fact]
    public void RandnNormGivesUnitNormIrrepCopies()
    {
        using var scope = NewDisposeScope();
        var gen = new Generator(99);
        var irreps = new Irreps("3x0e+2x1o+0x3o+1x2e");
        var x = irreps.Randn([4, -1, 3], ScalarType.Float64, null, "norm", gen, requiresGrad: true);
        Assert.Equal(new long[] { 4, 14, 3 }, x.shape);
        Assert.True(x.requires_grad);
        x = x.detach();
        foreach (var (slice, mulIr) in irreps.Slices().Zip(irreps))
        {
            var block = x.narrow(1, slice.Start, slice.Length).reshape(4, mulIr.Mul, mulIr.Ir.Dim, 3);
            var norms = block.norm(2);
            Assert.True(torch.allclose(norms, torch.ones_like(norms), 0, 1e-12), $"block {mulIr} not unit norm");
        }
        // Scalars of norm 1 are ±1, and signs are random.
        var scalars = x.narrow(1, 0, 3);
        Assert.True(torch.allclose(scalars.abs(), torch.ones_like(scalars), 0, 1e-12));
        Assert.True(scalars.sum().abs().item<double>() < 36);
        // The 1o vectors point in many directions: their mean over many draws is near zero.
        var many = irreps.Randn([5000, -1], ScalarType.Float64, null, "norm", gen);
        var vectors = many.narrow(1, 3, 6).reshape(5000, 2, 3);
        Assert.InRange(vectors.mean([0]).abs().max().item<double>(), 0, 0.05);
        Assert.InRange((vectors * vectors).mean([0]).sub(1.0 / 3).abs().max().item<double>(), 0, 0.03);
    }

    [Fact]
    public void RandnComponentReproducesE3nnStream()
    {
        // fully_connected_tp.json: torch.manual_seed(0); weight = torch.randn(9); x1 = Irreps('2x0e+1x1o').randn(4, -1);
        // x2 = Irreps('1x0e+1x1o').randn(4, -1) (float32). A seeded generator replays the same stream.
        using var scope = NewDisposeScope();
        using var doc = Reference.Load("fully_connected_tp");
        var root = doc.RootElement;
        var gen = new Generator(0);
        var weights = torch.randn(new long[] { 9 }, ScalarType.Float32, generator: gen);
        var x1 = new Irreps(root.GetProperty("irreps_in1").GetProperty("str").GetString()!)
            .Randn([4, -1], ScalarType.Float32, null, generator: gen);
        var x2 = new Irreps(root.GetProperty("irreps_in2").GetProperty("str").GetString()!)
            .Randn([4, -1], ScalarType.Float32, null, generator: gen);
        Assert.True(Reference.ToTensor(root.GetProperty("weights")).allclose(weights, 0, 0));
        Assert.True(torch.allclose(Reference.ToTensor(root.GetProperty("x1")), x1, 0, 1e-6));
        Assert.True(torch.allclose(Reference.ToTensor(root.GetProperty("x2")), x2, 0, 1e-6));
    }

    [Fact]
    public void RandnNormReproducesE3nnStream()
    {
        // o3_irreps/irreps_extra.json: torch.manual_seed(0); Irreps(s).randn(*size, normalization=..., dtype=float64).
        using var doc = Reference.Load("o3_irreps/irreps_extra");
        var cases = doc.RootElement.GetProperty("randn_seed0").EnumerateArray().ToArray();
        Assert.Equal(3, cases.Length);
        foreach (var c in cases)
        {
            using var scope = NewDisposeScope();
            var irreps = new Irreps(S(c, "irreps")!);
            var size = c.GetProperty("size").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var gen = new Generator((ulong)c.GetProperty("seed").GetInt32());
            var x = irreps.Randn(size, ScalarType.Float64, null, S(c, "normalization")!, gen);
            var expected = Reference.ToTensor(c.GetProperty("float64"));
            Assert.Equal(expected.shape, x.shape);
            Assert.True(torch.allclose(expected, x, 0, 1e-12), $"{irreps} {S(c, "normalization")}");
        }
    }

    [Fact]
    public void DMatchesE3nnDFromAngles()
    {
        // o3_irreps/irreps_extra.json: Irrep(ir).D_from_angles(a, b, c[, k]) and Irreps(s).D_from_angles(a, b, c[, k]).
        using var doc = Reference.Load("o3_irreps/irreps_extra");
        var root = doc.RootElement.GetProperty("D_from_angles");
        using var scope = NewDisposeScope();
        var angles = torch.tensor(root.GetProperty("angles").EnumerateArray().SelectMany(Reference.ToDoubleArray).ToArray(),
            new long[] { 5, 3 }, ScalarType.Float64);
        var (a, b, c) = (angles[.., 0], angles[.., 1], angles[.., 2]);
        var k = torch.tensor(Reference.ToDoubleArray(root.GetProperty("k")), ScalarType.Float64);
        var irrepCases = root.GetProperty("irrep").EnumerateArray().ToArray();
        var irrepsCases = root.GetProperty("irreps").EnumerateArray().ToArray();
        Assert.Equal(7, irrepCases.Length);
        Assert.Equal(3, irrepsCases.Length);
        foreach (var e in irrepCases)
        {
            var ir = new Irrep(S(e, "irrep")!);
            AssertClose(Reference.ToTensor(e.GetProperty("D")), ir.D(a, b, c), $"{ir}.D");
            AssertClose(Reference.ToTensor(e.GetProperty("D_k")), ir.D(a, b, c, k), $"{ir}.D(k)");
        }
        foreach (var e in irrepsCases)
        {
            var irreps = new Irreps(S(e, "irreps")!);
            AssertClose(Reference.ToTensor(e.GetProperty("D")), irreps.D(a, b, c), $"{irreps}.D");
            AssertClose(Reference.ToTensor(e.GetProperty("D_k")), irreps.D(a, b, c, k), $"{irreps}.D(k)");
        }

        static void AssertClose(Tensor expected, Tensor actual, string what)
        {
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(ScalarType.Float64, actual.dtype);
            var err = (expected - actual).abs().max().item<double>();
            Assert.True(err < 1e-12, $"{what}: max abs error {err}");
        }
    }

    [Fact]
    public void DParityAndBlockStructure()
    {
        using var scope = NewDisposeScope();
        var zero = torch.zeros(2, ScalarType.Float64);
        var k = torch.tensor(new double[] { 0, 1 }, ScalarType.Float64);
        // Inversion: odd irreps pick up -1, even ones do not.
        var d1o = new Irrep("1o").D(zero, zero, zero, k);
        Assert.True(torch.allclose(d1o[0], torch.eye(3, dtype: ScalarType.Float64), 0, 1e-15));
        Assert.True(torch.allclose(d1o[1], -torch.eye(3, dtype: ScalarType.Float64), 0, 1e-15));
        var d2e = new Irrep("2e").D(zero, zero, zero, k);
        Assert.True(torch.allclose(d2e[1], torch.eye(5, dtype: ScalarType.Float64), 0, 1e-15));
        // Block diagonal with one block per copy; zero multiplicities contribute nothing.
        var irreps = new Irreps("2x0o+0x2e+1x1e");
        var alpha = torch.tensor(new double[] { 0.7, -1.2 }, ScalarType.Float64);
        var beta = torch.tensor(new double[] { 2.1, 0.4 }, ScalarType.Float64);
        var gamma = torch.tensor(new double[] { -0.3, 3.0 }, ScalarType.Float64);
        var d = irreps.D(alpha, beta, gamma, k);
        Assert.Equal(new long[] { 2, 5, 5 }, d.shape);
        var expected = torch.zeros(2, 5, 5, ScalarType.Float64);
        expected[.., 0, 0] = torch.tensor(new double[] { 1, -1 }, ScalarType.Float64);
        expected[.., 1, 1] = torch.tensor(new double[] { 1, -1 }, ScalarType.Float64);
        expected[.., 2.., 2..] = new Irrep("1e").D(alpha, beta, gamma);
        Assert.True(torch.allclose(d, expected, 0, 1e-15));
        // Orthogonal.
        var dtd = d.transpose(-1, -2).matmul(d);
        Assert.True(torch.allclose(dtd, torch.eye(5, dtype: ScalarType.Float64).expand(2, 5, 5), 0, 1e-12));
        // Broadcasting of a scalar angle with batched ones; empty irreps give [..., 0, 0].
        Assert.Equal(new long[] { 2, 3, 3 }, new Irrep("1o").D(torch.tensor(0.5), beta, gamma).shape);
        Assert.Equal(new long[] { 2, 0, 0 }, Irreps.Empty.D(alpha, beta, gamma).shape);
    }

    private static string? S(JsonElement e, string name) => e.GetProperty(name).GetString();

    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(x => x.GetString()!).ToArray();
}
