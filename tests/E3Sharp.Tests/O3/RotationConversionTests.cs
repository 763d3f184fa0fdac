using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>
/// The Rotations conversions that the e3nn reference file does not cover (axis-angle and quaternion round trips,
/// inverses, random quaternions), checked against formulas written here independently of Rotations: Rodrigues'
/// rotation formula for axis-angle matrices and the Hamilton quaternion-to-matrix formula; random quaternions against
/// e3nn's seeded angles.
/// </summary>
public class RotationConversionTests
{
    private const double Tol = 1e-10;

    /// <summary>Random unit-free axes [n, 3] and angles [n] in [0.1, 3.0] (away from 0 and pi, where the axis of a
    /// matrix is not defined).</summary>
    private static (Tensor Axis, Tensor Angle) AxisAngles(int n, long seed)
    {
        var g = new Generator((ulong)seed);
        var axis = randn(new long[] { n, 3 }, dtype: float64, generator: g);
        var angle = rand(new long[] { n }, dtype: float64, generator: g).mul(2.9).add(0.1);
        return (axis, angle);
    }

    /// <summary>Rodrigues: R = I + sin(t) K + (1 - cos(t)) K^2 with K the cross-product matrix of the unit axis.</summary>
    private static Tensor Rodrigues(Tensor axis, Tensor angle)
    {
        var n = axis / axis.norm(dim: -1, keepdim: true);
        var (x, y, z) = (n.select(-1, 0), n.select(-1, 1), n.select(-1, 2));
        var o = zeros_like(x);
        var k = stack(new[] { o, -z, y, z, o, -x, -y, x, o }, -1).reshape(-1, 3, 3);
        var s = angle.sin().reshape(-1, 1, 1);
        var c = angle.cos().reshape(-1, 1, 1);
        return eye(3, dtype: float64).expand(k.shape) + s * k + (1 - c) * k.bmm(k);
    }

    /// <summary>The rotation matrix of a unit quaternion (w, x, y, z), Hamilton convention.</summary>
    private static Tensor Hamilton(Tensor q)
    {
        var (w, x, y, z) = (q.select(-1, 0), q.select(-1, 1), q.select(-1, 2), q.select(-1, 3));
        return stack(new[]
        {
            1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w),
            2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w),
            2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y),
        }, -1).reshape(-1, 3, 3);
    }

    private static Tensor Transpose(Tensor r) => r.transpose(-2, -1);

    [Fact]
    public void AxisAngleToMatrixIsRodrigues()
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = AxisAngles(16, 1);
        O3Assert.Close(Rodrigues(axis, angle), Rotations.AxisAngleToMatrix(axis, angle), Tol, what: "AxisAngleToMatrix");
    }

    [Fact]
    public void AxisAngleToQuaternionGivesTheSameRotation()
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = AxisAngles(16, 2);
        var q = Rotations.AxisAngleToQuaternion(axis, angle);
        Assert.Equal(new long[] { 16, 4 }, q.shape);
        O3Assert.Close(ones(16, dtype: float64), q.norm(dim: -1), Tol, what: "unit norm");
        O3Assert.Close(Rodrigues(axis, angle), Hamilton(q), Tol, what: "Hamilton(AxisAngleToQuaternion)");
    }

    [Fact]
    public void QuaternionToAxisAngleInvertsAxisAngleToQuaternion()
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = AxisAngles(16, 3);
        var (a, t) = Rotations.QuaternionToAxisAngle(Rotations.AxisAngleToQuaternion(axis, angle));
        O3Assert.Close(axis / axis.norm(dim: -1, keepdim: true), a, Tol, what: "axis");
        O3Assert.Close(angle, t, Tol, what: "angle");
    }

    [Fact]
    public void QuaternionToAnglesGivesTheSameRotation()
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = AxisAngles(16, 4);
        var q = Rotations.AxisAngleToQuaternion(axis, angle);
        var (a, b, c) = Rotations.QuaternionToAngles(q);
        O3Assert.Close(Hamilton(q), Rotations.AnglesToMatrix(a, b, c), Tol, what: "AnglesToMatrix(QuaternionToAngles)");
    }

    [Fact]
    public void AnglesToAxisAngleGivesTheSameRotation()
    {
        using var scope = NewDisposeScope();
        var (alpha, beta, gamma) = Rotations.RandAngles(new long[] { 16 }, float64, generator: new Generator(5));
        var (axis, angle) = Rotations.AnglesToAxisAngle(alpha, beta, gamma);
        Assert.True(angle.ge(0).all().item<bool>() && angle.le(System.Math.PI).all().item<bool>(), "angle in [0, pi]");
        O3Assert.Close(ones(16, dtype: float64), axis.norm(dim: -1), Tol, what: "unit axis");
        O3Assert.Close(Rotations.AnglesToMatrix(alpha, beta, gamma), Rodrigues(axis, angle), 1e-8, what: "Rodrigues(AnglesToAxisAngle)");
    }

    [Fact]
    public void AxisAngleToAnglesGivesTheSameRotation()
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = AxisAngles(16, 6);
        var (a, b, c) = Rotations.AxisAngleToAngles(axis, angle);
        O3Assert.Close(Rodrigues(axis, angle), Rotations.AnglesToMatrix(a, b, c), 1e-8, what: "AnglesToMatrix(AxisAngleToAngles)");
    }

    [Fact]
    public void InverseAnglesTransposeTheMatrixAndComposeToIdentity()
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = Rotations.RandAngles(new long[] { 16 }, float64, generator: new Generator(7));
        var (ia, ib, ic) = Rotations.InverseAngles(a, b, c);
        var r = Rotations.AnglesToMatrix(a, b, c);
        O3Assert.Close(Transpose(r), Rotations.AnglesToMatrix(ia, ib, ic), Tol, what: "AnglesToMatrix(InverseAngles)");
        var (ca, cb, cc) = Rotations.ComposeAngles(a, b, c, ia, ib, ic);
        O3Assert.Close(eye(3, dtype: float64).expand(16, 3, 3), Rotations.AnglesToMatrix(ca, cb, cc), 1e-8, what: "compose with inverse");
    }

    [Fact]
    public void QuaternionComposedWithItsInverseIsTheIdentity()
    {
        using var scope = NewDisposeScope();
        var q = Rotations.RandQuaternion(new long[] { 16 }, float64, generator: new Generator(8));
        var p = Rotations.ComposeQuaternion(q, Rotations.InverseQuaternion(q));
        O3Assert.Close(Rotations.IdentityQuaternion(new long[] { 16 }, float64), p, Tol, what: "q * q^-1");
        O3Assert.Close(Transpose(Hamilton(q)), Hamilton(Rotations.InverseQuaternion(q)), Tol, what: "Hamilton(q^-1)");
    }

    [Theory]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData("float64", ScalarType.Float64)]
    public void RandQuaternionIsTheQuaternionOfE3nnsSeededAngles(string key, ScalarType dtype)
    {
        // e3nn's rand_quaternion is angles_to_quaternion(rand_angles(...)): with seed 0 the angles are in the reference
        // file, and the quaternion must give the same matrix as those angles (a quaternion is defined up to sign).
        using var doc = O3Assert.Extra();
        using var scope = NewDisposeScope();
        var angles = doc.RootElement.GetProperty("rand_angles_seed0_shape4").GetProperty(key).EnumerateArray().Select(Reference.ToTensor).ToArray();
        var q = Rotations.RandQuaternion(new long[] { 4 }, dtype, generator: new Generator(0));
        Assert.Equal(dtype, q.dtype);
        Assert.Equal(new long[] { 4, 4 }, q.shape);
        var tol = dtype == ScalarType.Float32 ? 1e-5 : 1e-12;
        var expected = Rotations.AnglesToMatrix(angles[0].to(float64), angles[1].to(float64), angles[2].to(float64));
        O3Assert.Close(expected, Hamilton(q.to(float64)), tol, what: "Hamilton(RandQuaternion)");
    }
}
