using System.Text.Json;
using static TorchSharp.torch;

namespace E3Sharp.Tests;

public class ReferenceTests
{
    [Fact]
    public void DecodesFloat64AndFloat32TensorsExactly()
    {
        using var doc = Reference.Load("wigner_3j");
        var entry = doc.RootElement.GetProperty("entries")[1];
        using var t64 = Reference.ToTensor(entry.GetProperty("float64"));
        using var t32 = Reference.ToTensor(entry.GetProperty("float32"));
        Assert.Equal(ScalarType.Float64, t64.dtype);
        Assert.Equal(ScalarType.Float32, t32.dtype);
        Assert.Equal(new long[] { 1, 3, 3 }, t64.shape);
        Assert.Equal(new long[] { 1, 3, 3 }, t32.shape);
        Assert.Equal(0.5773502691896258, t64[0, 1, 1].item<double>());
        Assert.Equal(0.5773502588272095f, t32[0, 1, 1].item<float>());
        Assert.Equal(0.0, t64[0, 0, 1].item<double>());
    }

    [Fact]
    public void DecodesInt64AndScalarShapes()
    {
        using var doc = JsonDocument.Parse("""{"a": {"shape": [2], "dtype": "int64", "data": [3, -4]}, "s": {"shape": [], "dtype": "float64", "data": [2.5]}}""");
        using var a = Reference.ToTensor(doc.RootElement.GetProperty("a"));
        using var s = Reference.ToTensor(doc.RootElement.GetProperty("s"));
        Assert.Equal(ScalarType.Int64, a.dtype);
        Assert.Equal(new long[] { 3, -4 }, a.data<long>().ToArray());
        Assert.Empty(s.shape);
        Assert.Equal(2.5, s.item<double>());
    }

    [Fact]
    public void RejectsMalformedEncodings()
    {
        using var doc = JsonDocument.Parse("""{"bad": {"shape": [3], "dtype": "float64", "data": [1, 2]}, "obj": {"x": 1}}""");
        var e1 = Assert.Throws<ArgumentException>(() => Reference.ToTensor(doc.RootElement.GetProperty("bad")));
        Assert.Contains("has 2 data values, expected 3", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Reference.ToTensor(doc.RootElement.GetProperty("obj")));
        Assert.Contains("Not an encoded tensor", e2.Message);
        var e3 = Assert.Throws<FileNotFoundException>(() => Reference.Load("no_such_file"));
        Assert.Contains("no_such_file.json", e3.Message);
    }
}
