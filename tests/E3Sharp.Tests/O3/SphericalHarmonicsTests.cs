using CsCheck;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

public class SphericalHarmonicsTests
{
    private static readonly int[] Ls0To3 = { 0, 1, 2, 3 };

    [Theory]
    [InlineData(true, "component")]
    [InlineData(false, "component")]
    [InlineData(true, "norm")]
    [InlineData(false, "norm")]
    [InlineData(true, "integral")]
    [InlineData(false, "integral")]
    public void MatchesE3nnReference(bool normalize, string normalization)
    {
        using var doc = Reference.Load("spherical_harmonics");
        using var scope = NewDisposeScope();
        var root = doc.RootElement;
        var x = O3Assert.Rows(root.GetProperty("vectors"));
        var key = $"normalize={(normalize ? "True" : "False")},normalization={normalization}";

        var expected64 = Reference.ToTensor(root.GetProperty("by_dtype").GetProperty("float64").GetProperty(key));
        var actual64 = SphericalHarmonicsMath.Compute(Ls0To3, x, normalize, normalization);
        Assert.Equal(ScalarType.Float64, actual64.dtype);
        O3Assert.Close(expected64, actual64, 1e-12, 1e-14, what: key + " float64");

        var expected32 = Reference.ToTensor(root.GetProperty("by_dtype").GetProperty("float32").GetProperty(key));
        var actual32 = SphericalHarmonicsMath.Compute(Ls0To3, x.to_type(ScalarType.Float32), normalize, normalization);
        Assert.Equal(ScalarType.Float32, actual32.dtype);
        // Unnormalised inputs reach |Y| ~ 2.6e3 ([0, 10, 0] at l = 3), so float32 also needs a relative term.
        O3Assert.Close(expected32, actual32, 1e-5, 1e-6, what: key + " float32");
    }

    [Fact]
    public void ConcatenatesBlocksInRequestedOrder()
    {
        using var doc = Reference.Load("spherical_harmonics");
        using var scope = NewDisposeScope();
        var x = O3Assert.Rows(doc.RootElement.GetProperty("vectors"));
        var expected = Reference.ToTensor(doc.RootElement.GetProperty("ls_2_0_1_1_normalize=True_component_float64"));
        O3Assert.Close(expected, SphericalHarmonicsMath.Compute(new[] { 2, 0, 1, 1 }, x, true, "component"), 1e-12, what: "ls=[2,0,1,1]");
    }

    [Fact]
    public void MatchesE3nnReferenceUpToDegree11()
    {
        using var doc = O3Assert.Extra();
        var sh = doc.RootElement.GetProperty("spherical_harmonics");
        using var scope = NewDisposeScope();
        var x = O3Assert.Rows(sh.GetProperty("vectors"));
        foreach (var c in sh.GetProperty("cases").EnumerateArray())
        {
            var ls = Reference.ToIntArray(c.GetProperty("ls"));
            var normalize = c.GetProperty("normalize").GetBoolean();
            var normalization = c.GetProperty("normalization").GetString()!;
            var what = $"ls=[{string.Join(",", ls)}] normalize={normalize} {normalization}";
            // Unnormalised points reach |Y^11| ~ 1e10 ([5, 4, -3]): compare Y^l / |x|^l, i.e. relative to the block's scale.
            var scale = normalize ? ones(x.shape[0], 1, ScalarType.Float64) : BlockScale(ls, x);
            O3Assert.Close(Reference.ToTensor(c.GetProperty("float64")) / scale,
                SphericalHarmonicsMath.Compute(ls, x, normalize, normalization) / scale, 1e-12, what: what + " float64");
            O3Assert.Close(Reference.ToTensor(c.GetProperty("float32")) / scale,
                SphericalHarmonicsMath.Compute(ls, x.to_type(ScalarType.Float32), normalize, normalization) / scale,
                1e-5, what: what + " float32");
        }
    }

    // [n, sum(2l+1)]: |x_n|^l repeated over the columns of block l.
    private static Tensor BlockScale(int[] ls, Tensor x)
    {
        var r = x.norm(-1, keepdim: true);
        return cat(ls.Select(l => r.pow(l).expand(x.shape[0], 2 * l + 1)).ToArray(), -1);
    }

    [Fact]
    public void SingleDegreeOverloadAndBatchShapes()
    {
        using var scope = NewDisposeScope();
        var x = randn(2, 3, 3, ScalarType.Float64);
        var all = SphericalHarmonicsMath.Compute(new[] { 0, 1, 2, 3 }, x, true, "norm");
        Assert.Equal(new long[] { 2, 3, 16 }, all.shape);
        O3Assert.Close(all.narrow(-1, 4, 5), SphericalHarmonicsMath.Compute(2, x, true, "norm"), 0.0, what: "l=2 block");
        var single = SphericalHarmonicsMath.Compute(new[] { 4 }, tensor(new[] { 0.1, 0.2, 0.3 }), false, "component");
        Assert.Equal(new long[] { 9 }, single.shape);
    }

    [Fact]
    public void ComponentNormalizationOnTheSphereAndParity()
    {
        using var scope = NewDisposeScope();
        var x = randn(50, 3, ScalarType.Float64);
        var ls = Enumerable.Range(0, 12).ToArray();
        var y = SphericalHarmonicsMath.Compute(ls, x, true, "component");
        var yNeg = SphericalHarmonicsMath.Compute(ls, -x, true, "component");
        foreach (var l in ls)
        {
            var block = y.narrow(-1, l * l, 2 * l + 1);
            O3Assert.Close(full(50, 2 * l + 1.0, ScalarType.Float64), block.square().sum(-1), 1e-11, what: $"|Y^{l}|^2");
            O3Assert.Close(block * (l % 2 == 0 ? 1.0 : -1.0), yNeg.narrow(-1, l * l, 2 * l + 1), 1e-12, what: $"parity l={l}");
        }
    }

    [Fact]
    public void ZeroVectorWithNormalizeGivesNoNaN()
    {
        using var scope = NewDisposeScope();
        var y = SphericalHarmonicsMath.Compute(new[] { 0, 1, 2 }, zeros(1, 3, ScalarType.Float64), true, "component");
        O3Assert.Close(tensor(new[] { 1.0, 0, 0, 0, 0, 0, 0, 0, 0 }).unsqueeze(0), y, 0.0, what: "Y(0)");
    }

    [Fact]
    public void IsEquivariant()
    {
        var angle = Gen.Double[-7.0, 7.0];
        var coord = Gen.Double[-3.0, 3.0];
        Gen.Select(Gen.Select(angle, angle, angle), Gen.Select(coord, coord, coord)).Sample(t =>
        {
            using var scope = NewDisposeScope();
            var ((ad, bd, cd), (x0, x1, x2)) = t;
            var (a, b, c) = (tensor(ad), tensor(bd), tensor(cd));
            var x = tensor(new[] { x0, x1, x2 });
            var r = Rotations.AnglesToMatrix(a, b, c);
            for (var l = 0; l <= 6; l++)
            {
                var yRx = SphericalHarmonicsMath.Compute(l, r.matmul(x), false, "component");
                var dYx = Wigner.WignerD(l, a, b, c).matmul(SphericalHarmonicsMath.Compute(l, x, false, "component"));
                var scale = Math.Pow(Math.Max(1.0, x.norm().item<double>()), l);
                // 1e-9: WignerD relies on LibTorch's matrix_exp, accurate to ~1e-11 relative.
                O3Assert.Close(dYx, yRx, 1e-9 * scale, what: $"Y^{l}(Rx) = D Y^{l}(x)");
            }
        }, iter: 20);
    }

    [Fact]
    public void RejectsUnknownNormalizationNamingIt()
    {
        using var x = zeros(3);
        var ex = Assert.Throws<ArgumentException>(() => SphericalHarmonicsMath.Compute(new[] { 1 }, x, true, "Component"));
        Assert.StartsWith("Spherical harmonics normalization must be 'integral', 'component' or 'norm'; got 'Component'.", ex.Message);
        Assert.Equal("normalization", ex.ParamName);
    }

    [Fact]
    public void RejectsBadShapesAndDegrees()
    {
        using var bad = zeros(4, 2);
        var shape = Assert.Throws<ArgumentException>(() => SphericalHarmonicsMath.Compute(new[] { 1 }, bad, true));
        Assert.StartsWith("Spherical harmonics expect points of shape [..., 3]; got shape [4, 2].", shape.Message);
        using var x = zeros(3);
        var neg = Assert.Throws<ArgumentException>(() => SphericalHarmonicsMath.Compute(new[] { 0, -1 }, x, true));
        Assert.StartsWith("Spherical harmonics degrees must be non-negative; got l = -1 in [0, -1].", neg.Message);
        var empty = Assert.Throws<ArgumentException>(() => SphericalHarmonicsMath.Compute(Array.Empty<int>(), x, true));
        Assert.StartsWith("Spherical harmonics need at least one degree l; got an empty list.", empty.Message);
    }
}
