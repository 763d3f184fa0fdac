using E3Sharp.Jit;
using E3Sharp.O3;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>
/// The audit of TorchSharp calls that let a LibTorch C++ exception escape (and abort the process). Probed on
/// TorchSharp 0.107 / LibTorch 2.10 with bad operands in a child process: <c>matmul</c> aborts (shape, batch or dtype
/// mismatch); <c>mm</c>, <c>bmm</c>, <c>einsum</c>, <c>mul</c>, <c>addcmul</c>, <c>index_select</c>, <c>cat</c>,
/// <c>narrow</c>, <c>unflatten</c>, <c>reshape</c>, <c>expand</c>, <c>split</c>, <c>linalg.det</c>,
/// <c>linalg.matrix_exp</c>, <c>addmm</c>, <c>baddbmm</c>, <c>tensordot</c>, <c>mv</c>, <c>outer</c> throw managed
/// exceptions. Every <c>matmul</c> in E3Sharp goes through <see cref="TensorExtensions.checked_matmul"/>; one test per
/// call site reached from a public API, with inputs that would have reached LibTorch's matmul unchecked.
/// </summary>
public class MatmulAuditTests
{
    [Fact]
    public void CheckedMatmulRefusesWhatMatmulWouldAbortOn()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => randn(4, 5).checked_matmul(randn(6, 7)));
        Assert.Contains("[4, 5] (Float32, cpu) and [6, 7] (Float32, cpu) cannot be multiplied: the inner dimensions differ", e.Message);
        e = Assert.Throws<ArgumentException>(() => randn(4, 3, 5).checked_matmul(randn(2, 5, 6)));
        Assert.Contains("the batch dimensions do not broadcast", e.Message);
        e = Assert.Throws<ArgumentException>(() => randn(4, 5).checked_matmul(randn(5, 7, dtype: float64)));
        Assert.Contains("the dtypes differ", e.Message);
        e = Assert.Throws<ArgumentException>(() => tensor(1.0f).checked_matmul(randn(5)));
        Assert.Contains("at least one dimension", e.Message);

        // Valid operands: the same numbers as mm / bmm, broadcasting as matmul does.
        var a = randn(4, 5);
        var b = randn(5, 7);
        Assert.True(a.checked_matmul(b).allclose(a.mm(b)));
        var c = randn(2, 1, 3, 5);
        var d = randn(4, 5, 6);
        Assert.Equal(new long[] { 2, 4, 3, 6 }, c.checked_matmul(d).shape);
        Assert.Equal(new long[] { 3 }, randn(3, 5).checked_matmul(randn(5)).shape);
    }

    [Fact]
    public void RotationsRefuseBadShapesWithManagedExceptions()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsAny<ArgumentException>(() => Rotations.MatrixToAngles(randn(4, 2, 2)));
        Assert.ThrowsAny<Exception>(() => Rotations.AnglesToMatrix(randn(4), randn(3), randn(4)));
        Assert.ThrowsAny<Exception>(() => Rotations.ComposeAngles(randn(4), randn(4), randn(4), randn(3), randn(3), randn(3)));
        Assert.ThrowsAny<Exception>(() => Rotations.AxisAngleToMatrix(randn(4, 3), randn(3)));
        Assert.ThrowsAny<Exception>(() => Rotations.AxisAngleToMatrix(randn(4, 2), randn(4)));
        // The valid calls still agree with each other.
        var angles = Rotations.RandAngles(5);
        var r = Rotations.AnglesToMatrix(angles.Alpha, angles.Beta, angles.Gamma);
        var (a, b, c) = Rotations.MatrixToAngles(r);
        Assert.True(Rotations.AnglesToMatrix(a, b, c).allclose(r, 1e-4, 1e-4));
    }

    [Fact]
    public void WignerDRefusesAnglesThatDoNotBroadcast()
    {
        using var scope = NewDisposeScope();
        Assert.ThrowsAny<Exception>(() => Wigner.WignerD(1, randn(4), randn(3), randn(4)));
        Assert.Equal(new long[] { 4, 3, 3 }, Wigner.WignerD(1, randn(4), randn(1), randn(4)).shape);
    }
}
