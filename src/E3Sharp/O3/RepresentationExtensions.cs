using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// e3nn's <c>Irrep</c> / <c>Irreps</c> <c>D_from_angles</c>, <c>D_from_quaternion</c>, <c>D_from_matrix</c> and
/// <c>D_from_axis_angle</c>: the representation matrix of an O(3) element given in any of
/// <see cref="Rotations"/>' parametrisations (the matrix form may include the inversion).
/// </summary>
/// <example>
/// <code>
/// var irreps = new Irreps("2x0e + 1x1o + 1x2e");
/// var R = Rotations.RandMatrix(new long[] { 10 }, ScalarType.Float64);
/// var D = irreps.DFromMatrix(R.neg());     // [10, 10, 10]; the inversion acts as the parities say
/// </code>
/// </example>
public static class RepresentationExtensions
{
    /// <summary><see cref="Irrep.D"/> under e3nn's name <c>D_from_angles</c>.</summary>
    /// <param name="irrep">The irrep.</param>
    /// <param name="alpha">Rotation about Y, applied third.</param>
    /// <param name="beta">Rotation about X, applied second.</param>
    /// <param name="gamma">Rotation about Y, applied first.</param>
    /// <param name="k">How many times the inversion is applied (null: 0).</param>
    public static Tensor DFromAngles(this Irrep irrep, Tensor alpha, Tensor beta, Tensor gamma, Tensor? k = null) =>
        irrep.D(alpha, beta, gamma, k);

    /// <summary><see cref="Irreps.D"/> under e3nn's name <c>D_from_angles</c>.</summary>
    /// <param name="irreps">The irreps.</param>
    /// <param name="alpha">Rotation about Y, applied third.</param>
    /// <param name="beta">Rotation about X, applied second.</param>
    /// <param name="gamma">Rotation about Y, applied first.</param>
    /// <param name="k">How many times the inversion is applied (null: 0).</param>
    public static Tensor DFromAngles(this Irreps irreps, Tensor alpha, Tensor beta, Tensor gamma, Tensor? k = null)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        return irreps.D(alpha, beta, gamma, k);
    }

    /// <summary>The matrix for the rotation of unit quaternion <paramref name="q"/> <c>[..., 4]</c> (then the
    /// inversion <paramref name="k"/> times): <c>[..., 2l+1, 2l+1]</c>.</summary>
    /// <param name="irrep">The irrep.</param>
    /// <param name="q">Quaternions <c>[..., 4]</c>.</param>
    /// <param name="k">How many times the inversion is applied (null: 0).</param>
    public static Tensor DFromQuaternion(this Irrep irrep, Tensor q, Tensor? k = null) =>
        FromQuaternion(q, k, irrep.D);

    /// <summary>The block-diagonal matrix for the rotation of unit quaternion <paramref name="q"/> (then the inversion
    /// <paramref name="k"/> times): <c>[..., Dim, Dim]</c>.</summary>
    /// <param name="irreps">The irreps.</param>
    /// <param name="q">Quaternions <c>[..., 4]</c>.</param>
    /// <param name="k">How many times the inversion is applied (null: 0).</param>
    public static Tensor DFromQuaternion(this Irreps irreps, Tensor q, Tensor? k = null)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        return FromQuaternion(q, k, irreps.D);
    }

    /// <summary>The matrix of the O(3) element <paramref name="R"/> <c>[..., 3, 3]</c> (orthogonal; a negative
    /// determinant is the inversion times a rotation): <c>[..., 2l+1, 2l+1]</c>.</summary>
    /// <param name="irrep">The irrep.</param>
    /// <param name="R">Orthogonal matrices <c>[..., 3, 3]</c>.</param>
    public static Tensor DFromMatrix(this Irrep irrep, Tensor R) => FromMatrix(R, irrep.D);

    /// <summary>The block-diagonal matrix of the O(3) element <paramref name="R"/> <c>[..., 3, 3]</c>:
    /// <c>[..., Dim, Dim]</c>.</summary>
    /// <param name="irreps">The irreps.</param>
    /// <param name="R">Orthogonal matrices <c>[..., 3, 3]</c>.</param>
    public static Tensor DFromMatrix(this Irreps irreps, Tensor R)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        return FromMatrix(R, irreps.D);
    }

    /// <summary>The matrix of the rotation by <paramref name="angle"/> about <paramref name="axis"/>:
    /// <c>[..., 2l+1, 2l+1]</c>.</summary>
    /// <param name="irrep">The irrep.</param>
    /// <param name="axis">Axes <c>[..., 3]</c>.</param>
    /// <param name="angle">Angles <c>[...]</c>.</param>
    public static Tensor DFromAxisAngle(this Irrep irrep, Tensor axis, Tensor angle) => FromAxisAngle(axis, angle, irrep.D);

    /// <summary>The block-diagonal matrix of the rotation by <paramref name="angle"/> about <paramref name="axis"/>:
    /// <c>[..., Dim, Dim]</c>.</summary>
    /// <param name="irreps">The irreps.</param>
    /// <param name="axis">Axes <c>[..., 3]</c>.</param>
    /// <param name="angle">Angles <c>[...]</c>.</param>
    public static Tensor DFromAxisAngle(this Irreps irreps, Tensor axis, Tensor angle)
    {
        ArgumentNullException.ThrowIfNull(irreps);
        return FromAxisAngle(axis, angle, irreps.D);
    }

    private static Tensor FromQuaternion(Tensor q, Tensor? k, Func<Tensor, Tensor, Tensor, Tensor?, Tensor> d)
    {
        ArgumentNullException.ThrowIfNull(q);
        using var scope = NewDisposeScope();
        var (a, b, c) = Rotations.QuaternionToAngles(q);
        return d(a, b, c, k).MoveToOuterDisposeScope();
    }

    private static Tensor FromMatrix(Tensor R, Func<Tensor, Tensor, Tensor, Tensor?, Tensor> d)
    {
        ArgumentNullException.ThrowIfNull(R);
        if (R.dim() < 2 || R.shape[^1] != 3 || R.shape[^2] != 3)
        {
            throw new ArgumentException(
                $"D_from_matrix expects matrices of shape [..., 3, 3]; got [{string.Join(", ", R.shape)}].", nameof(R));
        }

        using var scope = NewDisposeScope();
        // e3nn: d = sign(det R); the rotation d·R, and the inversion k = (1 - d) / 2 times.
        var sign = linalg.det(R).sign();
        var rotation = sign.unsqueeze(-1).unsqueeze(-1).mul(R);
        using var one = 1.0.ToScalar();
        using var two = 2.0.ToScalar();
        var k = sign.neg().add(one).div(two);
        var (a, b, c) = Rotations.MatrixToAngles(rotation);
        return d(a, b, c, k).MoveToOuterDisposeScope();
    }

    private static Tensor FromAxisAngle(Tensor axis, Tensor angle, Func<Tensor, Tensor, Tensor, Tensor?, Tensor> d)
    {
        ArgumentNullException.ThrowIfNull(axis);
        ArgumentNullException.ThrowIfNull(angle);
        using var scope = NewDisposeScope();
        var (a, b, c) = Rotations.AxisAngleToAngles(axis, angle);
        return d(a, b, c, null).MoveToOuterDisposeScope();
    }
}
