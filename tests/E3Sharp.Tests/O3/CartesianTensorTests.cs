using E3Sharp.O3;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>io.CartesianTensor against e3nn 0.5.6 (Data/reference/parity/parity_rtp.json).</summary>
public class CartesianTensorTests
{
    [Fact]
    public void FromAndToCartesianMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_rtp"));
        foreach (var c in doc.RootElement.GetProperty("cartesian_tensor").EnumerateArray())
        {
            var formula = c.GetProperty("formula").GetString()!;
            using var ct = new CartesianTensor(formula);
            Assert.Equal(c.GetProperty("irreps").GetString(), ct.ToString());
            Assert.Equal(c.GetProperty("indices").GetString(), ct.Indices);
            var data = Reference.ToTensor(c.GetProperty("data"));
            var f64 = ct.FromCartesian(data);
            AssertClose(Reference.ToTensor(c.GetProperty("from_float64")), f64, 1e-10, formula + " from float64");
            AssertClose(Reference.ToTensor(c.GetProperty("to_float64")), ct.ToCartesian(f64), 1e-10, formula + " to float64");
            var f32 = ct.FromCartesian(data.to(ScalarType.Float32));
            Assert.Equal(ScalarType.Float32, f32.dtype);
            AssertClose(Reference.ToTensor(c.GetProperty("from_float32")), f32, 1e-5, formula + " from float32");
            AssertClose(Reference.ToTensor(c.GetProperty("to_float32")), ct.ToCartesian(f32), 1e-5, formula + " to float32");
            var vectors = c.GetProperty("vectors").EnumerateArray().Select(Reference.ToTensor).ToArray();
            AssertClose(Reference.ToTensor(c.GetProperty("from_vectors_float64")), ct.FromVectors(vectors), 1e-10,
                formula + " from vectors");
        }
    }

    [Fact]
    public void DocstringExamplesAndErrors()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_rtp"));
        var d = doc.RootElement.GetProperty("cartesian_docstring");
        using var ct = new CartesianTensor("ij=ji");
        var t = Reference.ToTensor(d.GetProperty("t"));
        var y = ct.FromCartesian(t);
        AssertClose(Reference.ToTensor(d.GetProperty("from")), y, 1e-5, "from");
        AssertClose(t.add(t.T).div(2), ct.ToCartesian(y), 1e-5, "(t + tT) / 2");
        Assert.Equal("1x1e", new CartesianTensor("ij=-ji").ToString());
        using var alt = new CartesianTensor("ijk=-jik=-ikj");
        AssertClose(zeros(1), alt.FromCartesian(ones(3, 3, 3)), 1e-6, "antisymmetric part of ones");
        Irreps irreps = ct;
        Assert.Equal(6, irreps.Dim);
        Assert.Throws<ArgumentException>(() => ct.FromCartesian(ones(3, 4)));
        Assert.Throws<ArgumentException>(() => ct.ToCartesian(ones(5)));
        Assert.Throws<ArgumentException>(() => ct.FromVectors(ones(3)));
    }
}
