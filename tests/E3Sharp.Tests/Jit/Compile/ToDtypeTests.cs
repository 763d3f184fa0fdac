using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>A compiled module converts between dtypes with TorchScript.ToDtype (issue 17: compiled.to(float64) cast
/// the index tables too, and the module failed with "index_select(): Expected dtype int32 or int64 for index").</summary>
public class ToDtypeTests
{
    [Fact]
    public void ACompiledTensorProductRunsInFloat64AfterToDtype()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("4x0e+2x1o+1x2e", "1x0e+1x1o", "4x0e+2x1o+1x2e", dtype: ScalarType.Float32);
        var compiled = TorchScript.Compile(tp);
        var converted = TorchScript.ToDtype(compiled, ScalarType.Float64);
        Assert.All(converted.parameters(), p => Assert.Equal(ScalarType.Float64, p.dtype));
        Assert.All(converted.parameters(), p => Assert.True(p.requires_grad));
        Assert.Contains(converted.buffers(), b => b.dtype == ScalarType.Int64);
        Assert.All(compiled.parameters(), p => Assert.Equal(ScalarType.Float32, p.dtype));   // the original is unchanged
        var x = randn(6, tp.IrrepsIn1.Dim, dtype: float64);
        var y = randn(6, tp.IrrepsIn2.Dim, dtype: float64);
        tp.to(ScalarType.Float64);
        var expected = tp.forward(x, y);
        var actual = converted.call(x, y);
        Assert.Equal(ScalarType.Float64, actual.dtype);
        // The constants were rounded to float32 when compiled (the eager module recomputes them in float64).
        Assert.True(actual.allclose(expected, 1e-5, 1e-6));
        // The input checks follow the module's new dtype: float32 is now the wrong one.
        var e = Assert.ThrowsAny<Exception>(() => converted.call(x.to(float32), y.to(float32)));
        Assert.Contains("input 'x' has dtype Float32, but the module's dtype is Float64.", e.Message);
        // And back.
        var back = TorchScript.ToDtype(converted, ScalarType.Float32);
        Assert.True(back.call(x.to(float32), y.to(float32)).allclose(expected.to(float32), 1e-4, 1e-5));
    }

    [Fact]
    public void ACompiledGateAndLinearRunInFloat64AfterToDtype()
    {
        using var scope = NewDisposeScope();
        var gate = new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() }, "1x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o");
        var lin = new Linear("2x0e+1x1o", "3x0e+1x1o", biases: true);
        var cg = TorchScript.ToDtype(TorchScript.Compile(gate), ScalarType.Float64);
        var cl = TorchScript.ToDtype(TorchScript.Compile(lin), ScalarType.Float64);
        gate.to(ScalarType.Float64);
        lin.to(ScalarType.Float64);
        var x = randn(4, 6, dtype: float64);
        Assert.True(cg.call(x).allclose(gate.forward(x), 1e-5, 1e-6));
        var z = randn(4, 5, dtype: float64);
        Assert.True(cl.call(z).allclose(lin.forward(z), 1e-5, 1e-6));
        Assert.Equal(ScalarType.Float64, cl.call(z).dtype);
    }

    [Fact]
    public void OnlyFloat32AndFloat64()
    {
        using var scope = NewDisposeScope();
        var compiled = TorchScript.Compile(new Linear("1x0e", "1x0e"));
        Assert.Throws<ArgumentException>(() => TorchScript.ToDtype(compiled, ScalarType.Int64));
    }
}
