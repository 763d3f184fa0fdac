using CsCheck;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

public class RotationsTests
{
    private static (Tensor A, Tensor B, Tensor C) ReferenceAngles(System.Text.Json.JsonElement rot)
    {
        var angles = O3Assert.Rows(rot.GetProperty("angles"));
        var abc = angles.unbind(-1);
        return (abc[0], abc[1], abc[2]);
    }

    [Fact]
    public void ConversionsMatchE3nnReference()
    {
        using var doc = O3Assert.Extra();
        using var scope = NewDisposeScope();
        var rot = doc.RootElement.GetProperty("rotations");
        var (a, b, c) = ReferenceAngles(rot);
        var R = Rotations.AnglesToMatrix(a, b, c);
        O3Assert.Close(Reference.ToTensor(rot.GetProperty("angles_to_matrix")), R, 1e-14, what: "AnglesToMatrix");

        var (ra, rb, rc) = Rotations.MatrixToAngles(R);
        var expectedAngles = rot.GetProperty("matrix_to_angles").EnumerateArray().Select(Reference.ToTensor).ToArray();
        O3Assert.Close(expectedAngles[0], ra, 1e-12, what: "MatrixToAngles alpha");
        O3Assert.Close(expectedAngles[1], rb, 1e-12, what: "MatrixToAngles beta");
        O3Assert.Close(expectedAngles[2], rc, 1e-12, what: "MatrixToAngles gamma");

        O3Assert.Close(Reference.ToTensor(rot.GetProperty("angles_to_xyz")), Rotations.AnglesToXyz(a, b), 1e-14, what: "AnglesToXyz");
        var (xa, xb) = Rotations.XyzToAngles(O3Assert.Rows(rot.GetProperty("xyz_to_angles_input")));
        var expectedXyz = rot.GetProperty("xyz_to_angles").EnumerateArray().Select(Reference.ToTensor).ToArray();
        O3Assert.Close(expectedXyz[0], xa, 1e-14, what: "XyzToAngles alpha");
        O3Assert.Close(expectedXyz[1], xb, 1e-14, what: "XyzToAngles beta");

        var q = Rotations.AnglesToQuaternion(a, b, c);
        O3Assert.Close(Reference.ToTensor(rot.GetProperty("angles_to_quaternion")), q, 1e-14, what: "AnglesToQuaternion");
        O3Assert.Close(Reference.ToTensor(rot.GetProperty("quaternion_to_matrix")), Rotations.QuaternionToMatrix(q), 1e-12, what: "QuaternionToMatrix");
        O3Assert.Close(Reference.ToTensor(rot.GetProperty("matrix_to_quaternion")), Rotations.MatrixToQuaternion(R.narrow(0, 1, R.shape[0] - 1)),
            1e-12, what: "MatrixToQuaternion");

        var (ca, cb, cc) = Rotations.ComposeAngles(a, b, c, a.flip(0), b.flip(0), c.flip(0));
        var expectedCompose = rot.GetProperty("compose_angles").EnumerateArray().Select(Reference.ToTensor).ToArray();
        O3Assert.Close(expectedCompose[0], ca, 1e-12, what: "ComposeAngles alpha");
        O3Assert.Close(expectedCompose[1], cb, 1e-12, what: "ComposeAngles beta");
        O3Assert.Close(expectedCompose[2], cc, 1e-12, what: "ComposeAngles gamma");
    }

    [Theory]
    [InlineData("float32", ScalarType.Float32)]
    [InlineData("float64", ScalarType.Float64)]
    public void RandAnglesDrawLikeE3nnFromTheSameSeed(string key, ScalarType dtype)
    {
        using var doc = O3Assert.Extra();
        using var scope = NewDisposeScope();
        var expected = doc.RootElement.GetProperty("rand_angles_seed0_shape4").GetProperty(key).EnumerateArray().Select(Reference.ToTensor).ToArray();
        var (a, b, c) = Rotations.RandAngles(new long[] { 4 }, dtype, generator: new Generator(0));
        Assert.Equal(dtype, a.dtype);
        var tol = dtype == ScalarType.Float32 ? 1e-6 : 1e-15;
        O3Assert.Close(expected[0], a, tol, what: "alpha");
        O3Assert.Close(expected[1], b, tol, what: "beta");
        O3Assert.Close(expected[2], c, tol, what: "gamma");
    }

    [Fact]
    public void RandMatrixGivesRotations()
    {
        using var scope = NewDisposeScope();
        var R = Rotations.RandMatrix(new long[] { 3, 5 }, ScalarType.Float64);
        Assert.Equal(new long[] { 3, 5, 3, 3 }, R.shape);
        O3Assert.Close(eye(3, dtype: ScalarType.Float64).expand(3, 5, 3, 3), R.matmul(R.transpose(-1, -2)), 1e-14, what: "R R^T");
        O3Assert.Close(ones(3, 5, ScalarType.Float64), linalg.det(R), 1e-14, what: "det R");
        var (a, b, c) = Rotations.RandAngles(2, 7);
        Assert.Equal(new long[] { 2, 7 }, b.shape);
        Assert.True((b >= 0).all().item<bool>() && (b <= Math.PI).all().item<bool>());
        Assert.True((a >= 0).all().item<bool>() && (a < 2 * Math.PI).all().item<bool>());
        Assert.True((c >= 0).all().item<bool>() && (c < 2 * Math.PI).all().item<bool>());
    }

    [Fact]
    public void IdentityHelpers()
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = Rotations.IdentityAngles(new long[] { 2 }, ScalarType.Float64);
        O3Assert.Close(eye(3, dtype: ScalarType.Float64).expand(2, 3, 3), Rotations.AnglesToMatrix(a, b, c), 0.0, what: "R(0,0,0)");
        var q = Rotations.IdentityQuaternion(new long[] { 2 }, ScalarType.Float64);
        O3Assert.Close(tensor(new[] { 1.0, 0, 0, 0 }).expand(2, 4), q, 0.0, what: "identity quaternion");
        O3Assert.Close(eye(3, dtype: ScalarType.Float64).expand(2, 3, 3), Rotations.QuaternionToMatrix(q), 1e-15, what: "R(q=1)");
    }

    private static readonly Gen<double> Angle = Gen.Double[-7.0, 7.0];

    [Fact]
    public void MatrixToAnglesRoundTrips()
    {
        Gen.Select(Angle, Gen.Double[0.01, Math.PI - 0.01], Angle).Sample(t =>
        {
            using var scope = NewDisposeScope();
            var (a, b, c) = (tensor(t.Item1), tensor(t.Item2), tensor(t.Item3));
            var R = Rotations.AnglesToMatrix(a, b, c);
            var (a2, b2, c2) = Rotations.MatrixToAngles(R);
            O3Assert.Close(R, Rotations.AnglesToMatrix(a2, b2, c2), 1e-12, what: "R(angles(R))");
            // beta in (0, pi) determines the angles uniquely modulo 2 pi.
            O3Assert.Close(b, b2, 1e-9, what: "beta");
            Assert.Equal(0.0, Math.IEEERemainder(t.Item1 - a2.item<double>(), 2 * Math.PI), 9);
            Assert.Equal(0.0, Math.IEEERemainder(t.Item3 - c2.item<double>(), 2 * Math.PI), 9);
        }, iter: 100);
    }

    [Fact]
    public void QuaternionsComposeLikeMatrices()
    {
        Gen.Select(Gen.Select(Angle, Angle, Angle), Gen.Select(Angle, Angle, Angle)).Sample(t =>
        {
            using var scope = NewDisposeScope();
            var q1 = Rotations.AnglesToQuaternion(tensor(t.Item1.Item1), tensor(t.Item1.Item2), tensor(t.Item1.Item3));
            var q2 = Rotations.AnglesToQuaternion(tensor(t.Item2.Item1), tensor(t.Item2.Item2), tensor(t.Item2.Item3));
            var R1 = Rotations.AnglesToMatrix(tensor(t.Item1.Item1), tensor(t.Item1.Item2), tensor(t.Item1.Item3));
            var R2 = Rotations.AnglesToMatrix(tensor(t.Item2.Item1), tensor(t.Item2.Item2), tensor(t.Item2.Item3));
            // The quaternion -> matrix path goes through acos(w) (as in e3nn), which loses half the digits near w = +-1.
            O3Assert.Close(R1, Rotations.QuaternionToMatrix(q1), 1e-6, what: "R(q1)");
            O3Assert.Close(R1.matmul(R2), Rotations.QuaternionToMatrix(Rotations.ComposeQuaternion(q1, q2)), 1e-6, what: "R(q1 q2)");
            O3Assert.Close(R1.transpose(0, 1), Rotations.QuaternionToMatrix(Rotations.InverseQuaternion(q1)), 1e-6, what: "R(q1^-1)");
            var (axis, angle) = Rotations.MatrixToAxisAngle(R1);
            O3Assert.Close(R1, Rotations.AxisAngleToMatrix(axis, angle), 1e-6, what: "axis-angle round trip");
        }, iter: 50);
    }

    [Fact]
    public void MatrixToAnglesRejectsReflectionsAndBadShapes()
    {
        using var scope = NewDisposeScope();
        var reflection = diag(tensor(new[] { 1.0, 1.0, -1.0 }));
        var ex = Assert.Throws<ArgumentException>(() => Rotations.MatrixToAngles(reflection));
        Assert.StartsWith("MatrixToAngles expects rotation matrices (determinant 1); got a matrix whose determinant differs from 1 by 2.", ex.Message);
        var shape = Assert.Throws<ArgumentException>(() => Rotations.MatrixToAngles(zeros(2, 3, 4)));
        Assert.StartsWith("MatrixToAngles expects rotation matrices of shape [..., 3, 3]; got shape [2, 3, 4].", shape.Message);
    }
}
