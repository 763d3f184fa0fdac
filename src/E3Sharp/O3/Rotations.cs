using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.O3;

/// <summary>
/// Parametrisations of 3D rotations and conversions between them, following e3nn 0.5.6 (<c>e3nn/o3/_rotation.py</c>).
/// </summary>
/// <remarks>
/// <para>Euler angles use e3nn's YXY convention: <c>R(alpha, beta, gamma) = Ry(alpha) Rx(beta) Ry(gamma)</c>, so gamma
/// is applied first and alpha last. The point of the sphere with angles <c>(alpha, beta)</c> is <c>R(alpha, beta, 0) e_y</c>
/// (see <see cref="AnglesToXyz"/>). In e3nn's real basis the Wigner D matrix of l = 1 is this matrix itself
/// (basis order x, y, z): <c>Wigner.WignerD(1, a, b, c) == AnglesToMatrix(a, b, c)</c>.</para>
/// <para>Quaternions are <c>(w, x, y, z)</c> with the scalar part first. Every function is batched over leading
/// dimensions (angles of shape <c>[...]</c>, matrices <c>[..., 3, 3]</c>, quaternions <c>[..., 4]</c>, axes
/// <c>[..., 3]</c>) and broadcasts its inputs against each other where e3nn does.</para>
/// </remarks>
public static class Rotations
{
    // ------------------------------------------------------------------ random and identity

    /// <summary>Random Euler angles, uniformly distributed on SO(3) (e3nn <c>rand_angles(*shape)</c>).</summary>
    /// <param name="shape">Batch shape of each returned angle tensor.</param>
    /// <returns><c>alpha, gamma</c> uniform in <c>[0, 2 pi)</c>, <c>beta = acos(U(-1, 1))</c>, each of shape <paramref name="shape"/>.</returns>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) RandAngles(params long[] shape) => RandAngles(shape, null);

    /// <summary>
    /// Random Euler angles, uniformly distributed on SO(3) (e3nn <c>rand_angles(*shape, dtype=, device=)</c>). Draws in
    /// the same order as e3nn (<c>rand(2, *shape)</c> for alpha and gamma, then <c>rand(shape)</c> for beta), so with
    /// the same generator state it yields the same angles as PyTorch.
    /// </summary>
    /// <param name="shape">Batch shape of each returned angle tensor.</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <param name="generator">Random generator; <c>null</c> means the global one.</param>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) RandAngles(
        long[] shape, ScalarType? dtype = null, Device? device = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var scope = NewDisposeScope();
        using var fullTurn = (2 * Math.PI).ToScalar();
        using var two = 2.ToScalar();
        using var one = 1.ToScalar();
        var ag = rand(Prepend(2, shape), dtype: dtype, device: device, generator: generator).mul(fullTurn);
        var beta = rand(shape, dtype: dtype, device: device, generator: generator).mul(two).sub(one).acos();
        var alpha = ag[0];
        var gamma = ag[1];
        return (alpha.MoveToOuterDisposeScope(), beta.MoveToOuterDisposeScope(), gamma.MoveToOuterDisposeScope());
    }

    /// <summary>Angles of the identity rotation (all zeros), each of shape <paramref name="shape"/>.</summary>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) IdentityAngles(params long[] shape) => IdentityAngles(shape, null);

    /// <summary>Angles of the identity rotation (all zeros), each of shape <paramref name="shape"/>.</summary>
    /// <param name="shape">Batch shape.</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) IdentityAngles(long[] shape, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        return (zeros(shape, dtype, device), zeros(shape, dtype, device), zeros(shape, dtype, device));
    }

    /// <summary>Random rotation matrices of shape <c>[..shape, 3, 3]</c> (e3nn <c>rand_matrix</c>).</summary>
    public static Tensor RandMatrix(params long[] shape) => RandMatrix(shape, null);

    /// <summary>Random rotation matrices of shape <c>[..shape, 3, 3]</c> (e3nn <c>rand_matrix</c>): <see cref="AnglesToMatrix"/> of <see cref="RandAngles(long[], ScalarType?, Device?, Generator?)"/>.</summary>
    /// <param name="shape">Batch shape.</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <param name="generator">Random generator; <c>null</c> means the global one.</param>
    public static Tensor RandMatrix(long[] shape, ScalarType? dtype = null, Device? device = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = RandAngles(shape, dtype, device, generator);
        return AnglesToMatrix(a, b, c).MoveToOuterDisposeScope();
    }

    /// <summary>Random unit quaternions of shape <c>[..shape, 4]</c>, uniform on SO(3) (e3nn <c>rand_quaternion</c>).</summary>
    /// <param name="shape">Batch shape.</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <param name="generator">Random generator; <c>null</c> means the global one.</param>
    public static Tensor RandQuaternion(long[] shape, ScalarType? dtype = null, Device? device = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = RandAngles(shape, dtype, device, generator);
        return AnglesToQuaternion(a, b, c).MoveToOuterDisposeScope();
    }

    /// <summary>Quaternions of the identity rotation, <c>(1, 0, 0, 0)</c>, of shape <c>[..shape, 4]</c>.</summary>
    /// <param name="shape">Batch shape.</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    public static Tensor IdentityQuaternion(long[] shape, ScalarType? dtype = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var scope = NewDisposeScope();
        var q = zeros(Append(shape, 4), dtype, device);
        using var one = 1.0.ToScalar();
        q.select(-1, 0).fill_(one);
        return q.MoveToOuterDisposeScope();
    }

    // ------------------------------------------------------------------ elementary matrices

    /// <summary>Rotation matrices about the X axis, <c>[[1,0,0],[0,c,-s],[0,s,c]]</c>, of shape <c>[..., 3, 3]</c>.</summary>
    /// <param name="angle">Angles of any shape <c>[...]</c>.</param>
    public static Tensor MatrixX(Tensor angle)
    {
        using var scope = NewDisposeScope();
        var (c, s, o, z) = Parts(angle);
        return Rows(
            stack(new[] { o, z, z }, -1),
            stack(new[] { z, c, -s }, -1),
            stack(new[] { z, s, c }, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Rotation matrices about the Y axis, <c>[[c,0,s],[0,1,0],[-s,0,c]]</c>, of shape <c>[..., 3, 3]</c>.</summary>
    /// <param name="angle">Angles of any shape <c>[...]</c>.</param>
    public static Tensor MatrixY(Tensor angle)
    {
        using var scope = NewDisposeScope();
        var (c, s, o, z) = Parts(angle);
        return Rows(
            stack(new[] { c, z, s }, -1),
            stack(new[] { z, o, z }, -1),
            stack(new[] { -s, z, c }, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Rotation matrices about the Z axis, <c>[[c,-s,0],[s,c,0],[0,0,1]]</c>, of shape <c>[..., 3, 3]</c>.</summary>
    /// <param name="angle">Angles of any shape <c>[...]</c>.</param>
    public static Tensor MatrixZ(Tensor angle)
    {
        using var scope = NewDisposeScope();
        var (c, s, o, z) = Parts(angle);
        return Rows(
            stack(new[] { c, -s, z }, -1),
            stack(new[] { s, c, z }, -1),
            stack(new[] { z, z, o }, -1)).MoveToOuterDisposeScope();
    }

    // ------------------------------------------------------------------ Euler angles

    /// <summary>
    /// Rotation matrices <c>Ry(alpha) Rx(beta) Ry(gamma)</c> of shape <c>[..., 3, 3]</c> (e3nn <c>angles_to_matrix</c>);
    /// the three angle tensors are broadcast together.
    /// </summary>
    public static Tensor AnglesToMatrix(Tensor alpha, Tensor beta, Tensor gamma)
    {
        using var scope = NewDisposeScope();
        var abc = broadcast_tensors(alpha, beta, gamma);
        return MatrixY(abc[0]).checked_matmul(MatrixX(abc[1])).checked_matmul(MatrixY(abc[2])).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Euler angles of rotation matrices <c>[..., 3, 3]</c> (e3nn <c>matrix_to_angles</c>): <c>(alpha, beta)</c> locate
    /// <c>R e_y</c> on the sphere and <c>gamma = atan2(R'[0,2], R'[0,0])</c> with <c>R' = R(alpha, beta, 0)^T R</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The input is not a batch of 3x3 matrices, or a determinant is not 1
    /// (checked with <c>allclose</c> like e3nn; reflections are rejected).</exception>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) MatrixToAngles(Tensor R)
    {
        CheckRotationMatrices(R, nameof(MatrixToAngles));
        using var scope = NewDisposeScope();
        var y = tensor(new[] { 0.0, 1.0, 0.0 }, R.dtype, R.device);
        var x = R.checked_matmul(y);
        var (a, b) = XyzToAngles(x);
        var r = AnglesToMatrix(a, b, zeros_like(a)).transpose(-1, -2).checked_matmul(R);
        var c = atan2(r[TensorIndex.Ellipsis, 0, 2], r[TensorIndex.Ellipsis, 0, 0]);
        return (a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Angles <c>(a, b, c)</c> with <c>R(a, b, c) = R(a1, b1, c1) R(a2, b2, c2)</c> (e3nn <c>compose_angles</c>; the
    /// second rotation is applied first). All six tensors are broadcast together.
    /// </summary>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) ComposeAngles(
        Tensor a1, Tensor b1, Tensor c1, Tensor a2, Tensor b2, Tensor c2)
    {
        using var scope = NewDisposeScope();
        var t = broadcast_tensors(a1, b1, c1, a2, b2, c2);
        var (a, b, c) = MatrixToAngles(AnglesToMatrix(t[0], t[1], t[2]).checked_matmul(AnglesToMatrix(t[3], t[4], t[5])));
        return (a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    /// <summary>Angles of the inverse rotation: <c>(-gamma, -beta, -alpha)</c> (e3nn <c>inverse_angles</c>).</summary>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) InverseAngles(Tensor alpha, Tensor beta, Tensor gamma)
        => (gamma.neg(), beta.neg(), alpha.neg());

    // ------------------------------------------------------------------ points on the sphere

    /// <summary>
    /// The point <c>(sin b sin a, cos b, sin b cos a)</c> on the sphere, shape <c>[..., 3]</c> (e3nn <c>angles_to_xyz</c>);
    /// it equals <c>R(alpha, beta, 0) e_y</c>.
    /// </summary>
    public static Tensor AnglesToXyz(Tensor alpha, Tensor beta)
    {
        using var scope = NewDisposeScope();
        var ab = broadcast_tensors(alpha, beta);
        var sb = ab[1].sin();
        var x = sb * ab[0].sin();
        var y = ab[1].cos();
        var z = sb * ab[0].cos();
        return stack(new[] { x, y, z }, -1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Angles <c>(alpha, beta)</c> of points <c>[..., 3]</c> (e3nn <c>xyz_to_angles</c>): the input is normalised
    /// (zero vectors give zeros instead of NaN), <c>beta = acos(y)</c>, <c>alpha = atan2(x, z)</c>.
    /// </summary>
    public static (Tensor Alpha, Tensor Beta) XyzToAngles(Tensor xyz)
    {
        using var scope = NewDisposeScope();
        using var minusOne = (-1).ToScalar();
        using var one = 1.ToScalar();
        var n = nn.functional.normalize(xyz, p: 2.0, dim: -1).clamp(minusOne, one);
        var beta = n.select(-1, 1).acos();
        var alpha = atan2(n.select(-1, 0), n.select(-1, 2));
        return (alpha.MoveToOuterDisposeScope(), beta.MoveToOuterDisposeScope());
    }

    // ------------------------------------------------------------------ quaternions and axis-angle

    /// <summary>Quaternions <c>[..., 4]</c> of Euler angles (e3nn <c>angles_to_quaternion</c>).</summary>
    public static Tensor AnglesToQuaternion(Tensor alpha, Tensor beta, Tensor gamma)
    {
        using var scope = NewDisposeScope();
        var t = broadcast_tensors(alpha, beta, gamma);
        var ey = tensor(new[] { 0.0, 1.0, 0.0 }, t[0].dtype, t[0].device);
        var ex = tensor(new[] { 1.0, 0.0, 0.0 }, t[0].dtype, t[0].device);
        var qa = AxisAngleToQuaternion(ey, t[0]);
        var qb = AxisAngleToQuaternion(ex, t[1]);
        var qc = AxisAngleToQuaternion(ey, t[2]);
        return ComposeQuaternion(qa, ComposeQuaternion(qb, qc)).MoveToOuterDisposeScope();
    }

    /// <summary>Quaternion product <c>q1 q2</c> (<paramref name="q2"/> applied first), shape <c>[..., 4]</c> (e3nn <c>compose_quaternion</c>).</summary>
    public static Tensor ComposeQuaternion(Tensor q1, Tensor q2)
    {
        using var scope = NewDisposeScope();
        var t = broadcast_tensors(q1, q2);
        Tensor A(int i) => t[0].select(-1, i);
        Tensor B(int i) => t[1].select(-1, i);
        return stack(new[]
        {
            A(0) * B(0) - A(1) * B(1) - A(2) * B(2) - A(3) * B(3),
            A(1) * B(0) + A(0) * B(1) + A(2) * B(3) - A(3) * B(2),
            A(0) * B(2) - A(1) * B(3) + A(2) * B(0) + A(3) * B(1),
            A(0) * B(3) + A(1) * B(2) - A(2) * B(1) + A(3) * B(0),
        }, -1).MoveToOuterDisposeScope();
    }

    /// <summary>Inverse of unit quaternions: the vector part negated (e3nn <c>inverse_quaternion</c>).</summary>
    public static Tensor InverseQuaternion(Tensor q)
    {
        using var scope = NewDisposeScope();
        var sign = tensor(new[] { 1.0, -1.0, -1.0, -1.0 }, q.dtype, q.device);
        return (q * sign).MoveToOuterDisposeScope();
    }

    /// <summary>Quaternions <c>[..., 4]</c> of rotations by <paramref name="angle"/> about <paramref name="axis"/> (normalised) (e3nn <c>axis_angle_to_quaternion</c>).</summary>
    /// <param name="axis">Axes <c>[..., 3]</c> (need not be unit length).</param>
    /// <param name="angle">Angles <c>[...]</c>.</param>
    public static Tensor AxisAngleToQuaternion(Tensor axis, Tensor angle)
    {
        using var scope = NewDisposeScope();
        var t = broadcast_tensors(axis, angle.unsqueeze(-1));
        var xyz = nn.functional.normalize(t[0], p: 2.0, dim: -1);
        using var two = 2.ToScalar();
        var c = t[1].narrow(-1, 0, 1).div(two).cos();
        var s = t[1].div(two).sin();
        return cat(new[] { c, xyz * s }, -1).MoveToOuterDisposeScope();
    }

    /// <summary>Axis <c>[..., 3]</c> and angle <c>[...]</c> of unit quaternions (e3nn <c>quaternion_to_axis_angle</c>).</summary>
    public static (Tensor Axis, Tensor Angle) QuaternionToAxisAngle(Tensor q)
    {
        using var scope = NewDisposeScope();
        using var minusOne = (-1).ToScalar();
        using var one = 1.ToScalar();
        using var two = 2.ToScalar();
        var angle = q.select(-1, 0).clamp(minusOne, one).acos().mul(two);
        var axis = nn.functional.normalize(q.narrow(-1, 1, 3), p: 2.0, dim: -1);
        return (axis.MoveToOuterDisposeScope(), angle.MoveToOuterDisposeScope());
    }

    /// <summary>Axis <c>[..., 3]</c> and angle <c>[...]</c> in <c>[0, pi]</c> of rotation matrices (e3nn <c>matrix_to_axis_angle</c>).</summary>
    /// <exception cref="ArgumentException">The input is not a batch of rotation matrices (determinant 1).</exception>
    public static (Tensor Axis, Tensor Angle) MatrixToAxisAngle(Tensor R)
    {
        CheckRotationMatrices(R, nameof(MatrixToAxisAngle));
        using var scope = NewDisposeScope();
        Tensor E(int i, int j) => R[TensorIndex.Ellipsis, i, j];
        var tr = E(0, 0) + E(1, 1) + E(2, 2);
        using var minusOne = (-1).ToScalar();
        using var one = 1.ToScalar();
        using var two = 2.ToScalar();
        var angle = tr.sub(one).div(two).clamp(minusOne, one).acos();
        var axis = stack(new[] { E(2, 1) - E(1, 2), E(0, 2) - E(2, 0), E(1, 0) - E(0, 1) }, -1);
        axis = nn.functional.normalize(axis, p: 2.0, dim: -1);
        return (axis.MoveToOuterDisposeScope(), angle.MoveToOuterDisposeScope());
    }

    /// <summary>Rotation matrices <c>[..., 3, 3]</c> of rotations by <paramref name="angle"/> about <paramref name="axis"/> (e3nn <c>axis_angle_to_matrix</c>).</summary>
    /// <param name="axis">Axes <c>[..., 3]</c> (need not be unit length).</param>
    /// <param name="angle">Angles <c>[...]</c>.</param>
    public static Tensor AxisAngleToMatrix(Tensor axis, Tensor angle)
    {
        using var scope = NewDisposeScope();
        var t = broadcast_tensors(axis, angle.unsqueeze(-1));
        var (a, b) = XyzToAngles(t[0]);
        var R = AnglesToMatrix(a, b, zeros_like(b));
        var ry = MatrixY(t[1].select(-1, 0));
        return R.checked_matmul(ry).checked_matmul(R.transpose(-2, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Rotation matrices of unit quaternions (e3nn <c>quaternion_to_matrix</c>).</summary>
    public static Tensor QuaternionToMatrix(Tensor q)
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = QuaternionToAxisAngle(q);
        return AxisAngleToMatrix(axis, angle).MoveToOuterDisposeScope();
    }

    /// <summary>Quaternions of rotation matrices (e3nn <c>matrix_to_quaternion</c>).</summary>
    public static Tensor MatrixToQuaternion(Tensor R)
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = MatrixToAxisAngle(R);
        return AxisAngleToQuaternion(axis, angle).MoveToOuterDisposeScope();
    }

    /// <summary>Euler angles of unit quaternions (e3nn <c>quaternion_to_angles</c>).</summary>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) QuaternionToAngles(Tensor q)
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = MatrixToAngles(QuaternionToMatrix(q));
        return (a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    /// <summary>Axis and angle of Euler angles (e3nn <c>angles_to_axis_angle</c>).</summary>
    public static (Tensor Axis, Tensor Angle) AnglesToAxisAngle(Tensor alpha, Tensor beta, Tensor gamma)
    {
        using var scope = NewDisposeScope();
        var (axis, angle) = MatrixToAxisAngle(AnglesToMatrix(alpha, beta, gamma));
        return (axis.MoveToOuterDisposeScope(), angle.MoveToOuterDisposeScope());
    }

    /// <summary>Euler angles of axis-angle rotations (e3nn <c>axis_angle_to_angles</c>).</summary>
    public static (Tensor Alpha, Tensor Beta, Tensor Gamma) AxisAngleToAngles(Tensor axis, Tensor angle)
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = MatrixToAngles(AxisAngleToMatrix(axis, angle));
        return (a.MoveToOuterDisposeScope(), b.MoveToOuterDisposeScope(), c.MoveToOuterDisposeScope());
    }

    /// <summary>Random rotations as axis and angle, uniformly distributed on SO(3) (e3nn <c>rand_axis_angle</c>): the
    /// axis-angle form of <see cref="RandAngles(long[], ScalarType?, Device?, Generator?)"/>, which draws as e3nn does,
    /// so the same generator state gives e3nn's rotations.</summary>
    /// <param name="shape">Batch shape.</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <param name="generator">Random generator; <c>null</c> means the global one.</param>
    /// <returns>Axes <c>[shape..., 3]</c> (unit) and angles <c>[shape...]</c>.</returns>
    public static (Tensor Axis, Tensor Angle) RandAxisAngle(
        long[] shape, ScalarType? dtype = null, Device? device = null, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        using var scope = NewDisposeScope();
        var (a, b, c) = RandAngles(shape, dtype, device, generator);
        var (axis, angle) = AnglesToAxisAngle(a, b, c);
        return (axis.MoveToOuterDisposeScope(), angle.MoveToOuterDisposeScope());
    }

    /// <summary>Composes two axis-angle rotations (e3nn <c>compose_axis_angle</c>): (<paramref name="axis2"/>,
    /// <paramref name="angle2"/>) is applied first, through quaternions.</summary>
    /// <param name="axis1">Axes <c>[..., 3]</c> of the rotation applied second.</param>
    /// <param name="angle1">Angles <c>[...]</c> of the rotation applied second.</param>
    /// <param name="axis2">Axes <c>[..., 3]</c> of the rotation applied first.</param>
    /// <param name="angle2">Angles <c>[...]</c> of the rotation applied first.</param>
    /// <returns>Axis <c>[..., 3]</c> and angle <c>[...]</c> of the composition.</returns>
    public static (Tensor Axis, Tensor Angle) ComposeAxisAngle(Tensor axis1, Tensor angle1, Tensor axis2, Tensor angle2)
    {
        using var scope = NewDisposeScope();
        var q = ComposeQuaternion(AxisAngleToQuaternion(axis1, angle1), AxisAngleToQuaternion(axis2, angle2));
        var (axis, angle) = QuaternionToAxisAngle(q);
        return (axis.MoveToOuterDisposeScope(), angle.MoveToOuterDisposeScope());
    }

    // ------------------------------------------------------------------ helpers

    private static void CheckRotationMatrices(Tensor R, string caller)
    {
        ArgumentNullException.ThrowIfNull(R);
        if (R.dim() < 2 || R.shape[^1] != 3 || R.shape[^2] != 3)
        {
            throw new ArgumentException(
                $"{caller} expects rotation matrices of shape [..., 3, 3]; got shape [{string.Join(", ", R.shape)}].", nameof(R));
        }

        using var scope = NewDisposeScope();
        var det = linalg.det(R);
        if (!det.allclose(ones_like(det)))
        {
            using var one = 1.ToScalar();
            var worst = det.sub(one).abs().max().item<double>();
            throw new ArgumentException(
                $"{caller} expects rotation matrices (determinant 1); got a matrix whose determinant differs from 1 by {worst:G6}.",
                nameof(R));
        }
    }

    private static (Tensor C, Tensor S, Tensor O, Tensor Z) Parts(Tensor angle)
        => (angle.cos(), angle.sin(), ones_like(angle), zeros_like(angle));

    private static Tensor Rows(Tensor r0, Tensor r1, Tensor r2) => stack(new[] { r0, r1, r2 }, -2);

    private static long[] Prepend(long first, long[] shape)
    {
        var r = new long[shape.Length + 1];
        r[0] = first;
        shape.CopyTo(r, 1);
        return r;
    }

    private static long[] Append(long[] shape, long last)
    {
        var r = new long[shape.Length + 1];
        shape.CopyTo(r, 0);
        r[^1] = last;
        return r;
    }
}
