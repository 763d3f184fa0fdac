using System.Text.Json;
using E3Sharp.O3;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>io.SphericalTensor against e3nn 0.5.6 (Data/reference/parity/parity_v2.json).</summary>
public class SphericalTensorTests
{
    private static JsonElement St(JsonDocument doc) => doc.RootElement.GetProperty("spherical_tensor");

    private static SphericalTensor Make(JsonElement e, string prefix = "") => new(e.GetProperty(prefix + "lmax").GetInt32(),
        e.GetProperty(prefix + "p_val").GetInt32(), e.GetProperty(prefix + "p_arg").GetInt32());

    private static Tensor T(JsonElement e, string name) => Reference.ToTensor(e.GetProperty(name));

    [Fact]
    public void IrrepsMatchE3nn()
    {
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        foreach (var e in St(doc).GetProperty("irreps").EnumerateArray())
        {
            var s = Make(e);
            Assert.Equal(e.GetProperty("irreps").GetString(), s.ToString());
            Irreps irreps = s;
            Assert.Equal((s.Lmax + 1) * (s.Lmax + 1), irreps.Dim);
        }
        Assert.Throws<ArgumentException>(() => new SphericalTensor(2, 0, 1));
        Assert.Throws<ArgumentException>(() => new SphericalTensor(-1, 1, 1));
    }

    [Fact]
    public void WithPeaksAtMatchesE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        var e = St(doc).GetProperty("with_peaks_at")[0];
        var s = Make(e);
        var (pos, val, pos3) = (T(e, "pos"), T(e, "val"), T(e, "pos3"));
        // e3nn's reference is float64 (its least squares varies between runs), rounded to 1e-12; float32 against it.
        foreach (var (dtype, tol) in new[] { (ScalarType.Float64, 1e-10), (ScalarType.Float32, 1e-5) })
        {
            AssertClose(T(e, "peaks"), s.WithPeaksAt(pos.to(dtype)), tol, "peaks");
            var x2 = s.WithPeaksAt(pos.to(dtype), val.to(dtype));
            Assert.Equal(dtype, x2.dtype);
            AssertClose(T(e, "peaks_values"), x2, tol, "peaks with values");
            AssertClose(T(e, "peaks_zero"), s.WithPeaksAt(pos3.to(dtype)), tol, "a zero vector dropped");
            AssertClose(T(e, "signal_at_pos"), s.SignalXyz(x2, pos.to(dtype)), tol, "signal at the peaks");
        }
        AssertClose(val, s.SignalXyz(s.WithPeaksAt(pos, val), pos), 1e-10, "the docstring: values at the peaks");
        Assert.Equal(new long[] { 25 }, s.WithPeaksAt(zeros(0, 3)).shape);
        Assert.Throws<InvalidOperationException>(() => new SphericalTensor(2, -1, 1).WithPeaksAt(pos));
        // more peaks than lmax 1 can meet
        Assert.Throws<InvalidOperationException>(() => new SphericalTensor(1, 1, -1).WithPeaksAt(randn(9, 3, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => s.WithPeaksAt(ones(2, 4)));
    }

    [Fact]
    public void SumOfDiracsMatchesE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        var e = St(doc).GetProperty("sum_of_diracs");
        var s = Make(e);
        var (pos, val) = (T(e, "pos"), T(e, "val"));
        var x = s.SumOfDiracs(pos, val);
        AssertClose(T(e, "float64"), x, 1e-10, "float64");
        AssertClose(T(e, "float32"), s.SumOfDiracs(pos.to(ScalarType.Float32), val.to(ScalarType.Float32)), 1e-5, "float32");
        AssertClose(T(e, "on_axes"), s.SignalXyz(x, eye(3, dtype: ScalarType.Float64)), 1e-10, "on the axes");
        var b = Make(e, "batch_");
        var (bpos, bval) = (T(e, "batch_pos"), T(e, "batch_val"));
        AssertClose(T(e, "batch_float64"), b.SumOfDiracs(bpos, bval), 1e-10, "broadcast float64");
        AssertClose(T(e, "batch_float32"), b.SumOfDiracs(bpos.to(ScalarType.Float32), bval.to(ScalarType.Float32)), 1e-5,
            "broadcast float32");
        // the docstring's empty shapes
        Assert.Equal(new long[] { 2, 0, 64 }, s.SumOfDiracs(empty(1, 0, 2, 3), empty(2, 0, 1)).shape);
        Assert.Throws<ArgumentException>(() => s.SumOfDiracs(ones(2, 3, 3), ones(4, 3)));
    }

    [Fact]
    public void FromSamplesOnS2MatchesE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        var e = St(doc).GetProperty("from_samples_on_s2");
        var s = Make(e);
        AssertClose(T(e, "float64"), s.FromSamplesOnS2(T(e, "pos"), T(e, "val"), e.GetProperty("res").GetInt32()), 1e-10,
            "docstring float64");
        var r = Make(e, "random_");
        var (rpos, rval, res) = (T(e, "random_pos"), T(e, "random_val"), e.GetProperty("random_res").GetInt32());
        AssertClose(T(e, "random_float64"), r.FromSamplesOnS2(rpos, rval, res), 1e-10, "random float64");
        var f32 = r.FromSamplesOnS2(rpos.to(ScalarType.Float32), rval.to(ScalarType.Float32), res);
        Assert.Equal(ScalarType.Float32, f32.dtype);
        AssertClose(T(e, "random_float32"), f32, 1e-5, "random float32");
        Assert.Equal(new long[] { 2, 0, 9 }, s.FromSamplesOnS2(empty(2, 0, 10, 3), empty(2, 0, 10)).shape);
    }

    [Fact]
    public void NormsAndSignalXyzMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        var n = St(doc).GetProperty("norms");
        AssertClose(T(n, "docstring"), new SphericalTensor(1, 1, -1).Norms(tensor(new[] { 1.5, 0.0, 3.0, 4.0 })), 1e-12, "docstring");
        AssertClose(T(n, "float64"), Make(n).Norms(T(n, "signal")), 1e-10, "norms");
        var x = St(doc).GetProperty("signal_xyz");
        var s = Make(x);
        var (signal, r) = (T(x, "signal"), T(x, "r"));
        AssertClose(T(x, "float64"), s.SignalXyz(signal, r), 1e-10, "float64");
        AssertClose(T(x, "float32"), s.SignalXyz(signal.to(ScalarType.Float32), r.to(ScalarType.Float32)), 1e-5, "float32");
        Assert.Throws<ArgumentException>(() => s.SignalXyz(signal, r.to(ScalarType.Float32)));
        Assert.Throws<ArgumentException>(() => s.Norms(ones(5)));
    }

    [Fact]
    public void SignalOnGridAndPlotMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        var g = St(doc).GetProperty("signal_on_grid");
        var s = Make(g);
        var signal = T(g, "signal");
        foreach (var c in g.GetProperty("cases").EnumerateArray())
        {
            var (res, normalization) = (c.GetProperty("res").GetInt32(), c.GetProperty("normalization").GetString()!);
            foreach (var (dtype, name, tol) in new[] { (ScalarType.Float64, "float64", 1e-10), (ScalarType.Float32, "float32", 1e-5) })
            {
                var (grid, values) = s.SignalOnGrid(signal.to(dtype), res, normalization);
                AssertClose(T(c.GetProperty(name), "grid"), grid, tol, $"grid {res} {name}");
                AssertClose(T(c.GetProperty(name), "values"), values, tol, $"values {res} {normalization} {name}");
            }
        }
        foreach (var (dtype, name, tol) in new[] { (ScalarType.Float64, "float64", 1e-10), (ScalarType.Float32, "float32", 1e-5) })
        {
            var p = g.GetProperty("plot").GetProperty(name);
            var center = tensor(new[] { 1.0, -2.0, 0.5 }, dtype: dtype);
            var (r, f) = s.Plot(signal[0].to(dtype), center, 10, radius: true, relu: true);
            AssertClose(T(p, "r"), r, tol, "plot r");
            AssertClose(T(p, "f"), f, tol, "plot f");
            var (r2, f2) = s.Plot(signal[1].to(dtype), null, 8, radius: false, relu: false, normalization: "norm");
            AssertClose(T(p, "r2"), r2, tol, "plot r2");
            AssertClose(T(p, "f2"), f2, tol, "plot f2");
        }
    }

    [Fact]
    public void FindPeaksMatchesE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2"));
        var e = St(doc).GetProperty("find_peaks");
        var s = Make(e);
        foreach (var c in e.GetProperty("cases").EnumerateArray())
        {
            var dtype = c.GetProperty("dtype").GetString() == "float64" ? ScalarType.Float64 : ScalarType.Float32;
            var tol = ReferenceTolerance(dtype);
            var (pos, val) = s.FindPeaks(T(c, "signal"));
            AssertSamePeaks(T(c, "pos"), T(c, "val"), pos, val, tol, "docstring " + dtype);
            var (rpos, rval) = s.FindPeaks(T(c, "random_signal"), c.GetProperty("random_res").GetInt32());
            AssertSamePeaks(T(c, "random_pos"), T(c, "random_val"), rpos, rval, tol, "random " + dtype);
        }
    }

    // e3nn's peaks come in a Python set's order: match each of e3nn's peaks with one of ours (same set, any order).
    private static void AssertSamePeaks(Tensor pos, Tensor val, Tensor actualPos, Tensor actualVal, double tol, string what)
    {
        Assert.Equal(pos.shape, actualPos.shape);
        var used = new bool[actualPos.shape[0]];
        for (var i = 0; i < pos.shape[0]; i++)
        {
            var d = actualPos.to(ScalarType.Float64).sub(pos[i]).abs().amax(new long[] { 1 });
            var j = (int)d.argmin().ToInt64();
            Assert.True(d[j].ToDouble() <= tol && !used[j], $"{what}: e3nn's peak {i} not found");
            used[j] = true;
            Assert.True(Math.Abs(actualVal[j].ToDouble() - val[i].ToDouble()) <= tol, $"{what}: value of peak {i}");
        }
    }
}
