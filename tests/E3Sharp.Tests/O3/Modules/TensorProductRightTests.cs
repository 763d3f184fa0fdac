using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>TensorProduct.Right compiled as the second method <c>right</c> (e3nn's <c>compile_right=True</c>), against
/// e3nn 0.5.6's <c>right</c> (Data/reference/fully_connected_tp.json).</summary>
public class TensorProductRightTests
{
    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void CompiledRightMatchesE3nn(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load("fully_connected_tp");
        var r = doc.RootElement;
        var tp = Reference.FullyConnectedTp(r, dtype);
        tp.CompileRight = true;
        Assign(tp.Weight, Reference.ToTensor(r.GetProperty("weights")));
        var x1 = Reference.ToTensor(r.GetProperty("x1")).to(dtype);
        var x2 = Reference.ToTensor(r.GetProperty("x2")).to(dtype);
        var suffix = dtype == ScalarType.Float64 ? "float64" : "float32";
        var expected = Reference.ToTensor(r.GetProperty("right_" + suffix));
        var tol = ReferenceTolerance(dtype);
        AssertClose(expected, tp.Right(x2), tol, "eager");

        var compiled = Assertions.AssertAutoJitable(tp);
        var right = (Tensor)compiled.invoke("right", x2);
        AssertClose(expected, right, tol, "compiled right");
        // right(y) is the operator of forward(., y): x R = forward(x, y)
        var viaRight = einsum("zi,zij->zj", x1, right);
        AssertClose((Tensor)compiled.invoke("forward", x1, x2), viaRight, tol * 10, "x right(y) = forward(x, y)");
        Assert.Contains("def right(self", TorchScript.Code(compiled));
        Interop.Record($"parity_tp_right_{(dtype == ScalarType.Float64 ? "f64" : "f32")}",
            TorchScriptArchive.SaveToBytes(compiled), "right", new[] { x2 }, new[] { right });

        // without CompileRight (e3nn's default) the compiled module has forward only
        var plain = TorchScript.Compile(new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: dtype));
        Assert.DoesNotContain("def right(", TorchScript.Code(plain));
    }

    [Fact]
    public void CompiledRightTakesExternalWeights()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o+1x2e", "2x0e+1x1o+1x2e", sharedWeights: false,
            dtype: ScalarType.Float64) { CompileRight = true };
        var compiled = TorchScript.Compile(tp);
        var x = new E3Sharp.O3.Irreps("2x0e+1x1o").Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var y = new E3Sharp.O3.Irreps("1x0e+1x1o+1x2e").Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var w = randn(5, tp.WeightNumel, dtype: ScalarType.Float64);
        var right = (Tensor)compiled.invoke("right", y, w);
        AssertClose(tp.Right(y, w), right, 1e-12, "compiled right = eager Right");
        AssertClose(tp.forward(x, y, w), einsum("zi,zij->zj", x, right), 1e-10, "x right(y, w) = forward(x, y, w)");
    }
}
