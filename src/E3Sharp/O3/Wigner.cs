using E3Sharp.Jit;
using System.Collections.Concurrent;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;
using Complex = System.Numerics.Complex;

namespace E3Sharp.O3;

/// <summary>
/// Core representation theory of SO(3) in e3nn's real basis (e3nn 0.5.6 <c>e3nn/o3/_wigner.py</c>): Lie algebra
/// generators, Wigner D matrices and Wigner 3j symbols.
/// </summary>
/// <remarks>
/// The real basis of degree <c>l</c> is indexed by <c>m = -l..l</c> (array index <c>m + l</c>); for <c>l = 1</c> it is
/// the Cartesian order <c>(x, y, z)</c>, so <c>WignerD(1, a, b, c)</c> equals
/// <see cref="Rotations.AnglesToMatrix"/>. Constants are computed once per <c>l</c> (or triple) in double precision,
/// cached, and copied into a fresh tensor on every call, so callers may modify what they receive.
/// </remarks>
public static class Wigner
{
    private static readonly ConcurrentDictionary<(int, int, int), double[]> ThreeJCache = new();
    private static readonly ConcurrentDictionary<int, double[]> GeneratorCache = new();
    private static readonly ConcurrentDictionary<int, Complex[]> BasisCache = new();

    /// <summary>
    /// Wigner 3j symbol <c>C</c> of shape <c>[2 l1 + 1, 2 l2 + 1, 2 l3 + 1]</c> in e3nn's real basis and sign
    /// convention, normalised so that <c>sum(C^2) == 1</c>. It is invariant:
    /// <c>C_lmn = C_ijk D1_il D2_jm D3_kn</c> for every rotation (with <see cref="WignerD"/>).
    /// </summary>
    /// <param name="l1">First degree.</param>
    /// <param name="l2">Second degree.</param>
    /// <param name="l3">Third degree.</param>
    /// <param name="dtype">Floating dtype of the result; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device of the result; <c>null</c> means the CPU.</param>
    /// <returns>A new tensor (the cached double values are copied, never shared).</returns>
    /// <exception cref="ArgumentException">A degree is negative or the triangle condition
    /// <c>|l2 - l3| &lt;= l1 &lt;= l2 + l3</c> fails.</exception>
    public static Tensor Wigner3j(int l1, int l2, int l3, ScalarType? dtype = null, Device? device = null)
    {
        var values = Wigner3jValues(l1, l2, l3);
        return tensor(values, new long[] { 2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1 }, dtype ?? get_default_dtype(), device);
    }

    /// <summary>
    /// Wigner D matrices <c>D^l(alpha, beta, gamma) = exp(alpha X_1) exp(beta X_0) exp(gamma X_1)</c> of shape
    /// <c>[..., 2l+1, 2l+1]</c> (e3nn <c>wigner_D</c>), where <c>X</c> are <see cref="So3Generators"/>: the
    /// representation of <see cref="Rotations.AnglesToMatrix"/> (YXY Euler angles; gamma applied first). The angle
    /// tensors are broadcast together and reduced modulo <c>2 pi</c> first, as in e3nn.
    /// </summary>
    /// <param name="l">Degree (non-negative).</param>
    /// <param name="alpha">Rotation about Y, applied last.</param>
    /// <param name="beta">Rotation about X, applied second.</param>
    /// <param name="gamma">Rotation about Y, applied first.</param>
    /// <remarks>The result has the angles' dtype (the default dtype for integer angles). e3nn builds its generators in
    /// the default dtype, so under e3nn's float32 default a float64 call is only float32-accurate there; here the
    /// generators are always exact to double precision before being cast.</remarks>
    /// <exception cref="ArgumentException"><paramref name="l"/> is negative.</exception>
    public static Tensor WignerD(int l, Tensor alpha, Tensor beta, Tensor gamma)
    {
        CheckDegree(l, nameof(l), nameof(WignerD));
        ArgumentNullException.ThrowIfNull(alpha);
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(gamma);
        using var scope = NewDisposeScope();
        var abc = broadcast_tensors(alpha, beta, gamma);
        var dtype = abc[0].is_floating_point() ? abc[0].dtype : get_default_dtype();
        var X = So3Generators(l, dtype, abc[0].device);
        // exp(t X) has period 2 pi (the eigenvalues of X are i m, m integer), so an angle may be moved by 2 pi. Angles
        // in (0, 0.5) are: LibTorch's matrix_exp loses accuracy for small norms (in float64 its error there is
        // thousands of times that of other angles), and t + 2 pi lands where it is accurate.
        // 0 stays: its exponential is exactly the identity.
        Tensor Prep(Tensor t)
        {
            using var period = (2 * Math.PI).ToScalar();
            using var zero = 0.ToScalar();
            using var inaccurateBelow = 0.5.ToScalar();
            var r = t.to_type(dtype).remainder(period);
            return where(r.gt(zero).logical_and(r.lt(inaccurateBelow)), r.add(period), r).unsqueeze(-1).unsqueeze(-1);
        }
        var a = Prep(abc[0]);
        var b = Prep(abc[1]);
        var c = Prep(abc[2]);
        var d = linalg.matrix_exp(a * X[1]).checked_matmul(linalg.matrix_exp(b * X[0])).checked_matmul(linalg.matrix_exp(c * X[1]));
        return d.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Real generators of the degree-<paramref name="l"/> representation of so(3), shape <c>[3, 2l+1, 2l+1]</c>
    /// (e3nn <c>so3_generators</c>): the SU(2) generators conjugated by <see cref="ChangeBasisRealToComplex"/>.
    /// <c>X[0]</c> generates rotations about X, <c>X[1]</c> about Y and <c>X[2]</c> about Z (for <c>l = 1</c>,
    /// <c>exp(t X[1]) = Rotations.MatrixY(t)</c>).
    /// </summary>
    /// <param name="l">Degree (non-negative).</param>
    /// <param name="dtype">Floating dtype; <c>null</c> means the default dtype.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <exception cref="ArgumentException"><paramref name="l"/> is negative.</exception>
    public static Tensor So3Generators(int l, ScalarType? dtype = null, Device? device = null)
    {
        CheckDegree(l, nameof(l), nameof(So3Generators));
        var n = 2 * l + 1;
        var values = GeneratorCache.GetOrAdd(l, ComputeSo3Generators);
        return tensor(values, new long[] { 3, n, n }, dtype ?? get_default_dtype(), device);
    }

    /// <summary>
    /// Generators of SU(2) in the complex |j m&gt; basis (e3nn <c>su2_generators</c>): shape <c>[3, 2j+1, 2j+1]</c>,
    /// <c>(J+ + J-)/2</c>, <c>i diag(m)</c> and <c>-i (J+ - J-)/2</c> with e3nn's raising/lowering conventions, for
    /// integer and half-integer <paramref name="j"/>.
    /// </summary>
    /// <param name="j">The spin: a non-negative multiple of 1/2.</param>
    /// <param name="dtype"><c>Float32</c>/<c>ComplexFloat32</c> give <c>ComplexFloat32</c> (e3nn's dtype); anything
    /// else (and <c>null</c>) gives <c>ComplexFloat64</c>.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <exception cref="ArgumentException"><paramref name="j"/> is negative or not a multiple of 1/2.</exception>
    public static Tensor Su2Generators(double j, ScalarType? dtype = null, Device? device = null)
    {
        if (!(j >= 0) || Math.Abs(2 * j - Math.Round(2 * j)) > 1e-12)
        {
            throw new ArgumentException($"Su2Generators: j = {j} must be a non-negative multiple of 1/2.", nameof(j));
        }

        var n = (int)Math.Round(2 * j) + 1;
        var raising = new double[n * n];
        var lowering = new double[n * n];
        for (var k = 0; k + 1 < n; k++)
        {
            var m = -j + k;            // raising: below the diagonal
            raising[(k + 1) * n + k] = -Math.Sqrt(j * (j + 1) - m * (m + 1));
            var m2 = -j + 1 + k;       // lowering: above the diagonal
            lowering[k * n + k + 1] = Math.Sqrt(j * (j + 1) - m2 * (m2 - 1));
        }

        var re = new double[3 * n * n];
        var im = new double[3 * n * n];
        for (var e = 0; e < n * n; e++)
        {
            re[e] = 0.5 * (raising[e] + lowering[e]);
            im[2 * n * n + e] = -0.5 * (raising[e] - lowering[e]);
        }

        for (var k = 0; k < n; k++)
        {
            im[n * n + k * n + k] = -j + k;
        }

        var complexType = dtype is ScalarType.Float32 or ScalarType.ComplexFloat32 ? ScalarType.ComplexFloat32 : ScalarType.ComplexFloat64;
        using var scope = NewDisposeScope();
        var real = tensor(re, new long[] { 3, n, n }, ScalarType.Float64);
        var imag = tensor(im, new long[] { 3, n, n }, ScalarType.Float64);
        return complex(real, imag).to(complexType, device ?? CPU).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The complex change of basis <c>Q</c> of shape <c>[2l+1, 2l+1]</c> from e3nn's real basis to the complex
    /// (|l m&gt;) basis, including e3nn's factor <c>(-i)^l</c> that makes the 3j symbols real (e3nn
    /// <c>change_basis_real_to_complex</c>).
    /// </summary>
    /// <param name="l">Degree (non-negative).</param>
    /// <param name="dtype"><c>Float32</c>/<c>ComplexFloat32</c> give <c>ComplexFloat32</c>; anything else (and <c>null</c>)
    /// gives <c>ComplexFloat64</c>.</param>
    /// <param name="device">Device; <c>null</c> means the CPU.</param>
    /// <exception cref="ArgumentException"><paramref name="l"/> is negative.</exception>
    public static Tensor ChangeBasisRealToComplex(int l, ScalarType? dtype = null, Device? device = null)
    {
        CheckDegree(l, nameof(l), nameof(ChangeBasisRealToComplex));
        var n = 2 * l + 1;
        var q = BasisCache.GetOrAdd(l, ComputeChangeOfBasis);
        var complexType = dtype is ScalarType.Float32 or ScalarType.ComplexFloat32 ? ScalarType.ComplexFloat32 : ScalarType.ComplexFloat64;
        using var scope = NewDisposeScope();
        var re = tensor(q.Select(z => z.Real).ToArray(), new long[] { n, n }, ScalarType.Float64);
        var im = tensor(q.Select(z => z.Imaginary).ToArray(), new long[] { n, n }, ScalarType.Float64);
        return complex(re, im).to(complexType, device ?? CPU).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The cached double values (row-major, shape <c>[2l1+1, 2l2+1, 2l3+1]</c>) of <see cref="Wigner3j"/>. The array
    /// is shared: do not modify it.
    /// </summary>
    internal static double[] Wigner3jValues(int l1, int l2, int l3)
    {
        if (l1 < 0 || l2 < 0 || l3 < 0)
        {
            throw new ArgumentException(
                $"Wigner3j: degrees must be non-negative; got (l1, l2, l3) = ({l1}, {l2}, {l3}).");
        }

        if (!(Math.Abs(l2 - l3) <= l1 && l1 <= l2 + l3))
        {
            throw new ArgumentException(
                $"Wigner3j: (l1, l2, l3) = ({l1}, {l2}, {l3}) violates the triangle condition |l2 - l3| <= l1 <= l2 + l3.");
        }

        return ThreeJCache.GetOrAdd((l1, l2, l3), key => ComputeSo3ClebschGordan(key.Item1, key.Item2, key.Item3));
    }

    private static void CheckDegree(int l, string paramName, string caller)
    {
        if (l < 0)
        {
            throw new ArgumentException($"{caller}: the degree l must be non-negative; got l = {l}.", paramName);
        }
    }

    // ------------------------------------------------------------------ constants

    // e3nn change_basis_real_to_complex(l), row-major complex (2l+1)x(2l+1).
    private static Complex[] ComputeChangeOfBasis(int l)
    {
        var n = 2 * l + 1;
        var q = new Complex[n * n];
        var h = 1.0 / Math.Sqrt(2.0);
        for (var m = -l; m < 0; m++)
        {
            q[(l + m) * n + (l - m)] = new Complex(h, 0);
            q[(l + m) * n + (l + m)] = new Complex(0, -h);
        }

        q[l * n + l] = Complex.One;
        for (var m = 1; m <= l; m++)
        {
            var sign = m % 2 == 0 ? 1.0 : -1.0;
            q[(l + m) * n + (l + m)] = new Complex(sign * h, 0);
            q[(l + m) * n + (l - m)] = new Complex(0, sign * h);
        }

        // (-i)^l, exactly.
        var phase = (l % 4) switch
        {
            0 => Complex.One,
            1 => new Complex(0, -1),
            2 => new Complex(-1, 0),
            _ => new Complex(0, 1),
        };
        for (var i = 0; i < q.Length; i++)
        {
            q[i] *= phase;
        }

        return q;
    }

    // e3nn so3_generators(l): Re(Q^H X_su2 Q) for the three su(2) generators, row-major [3, n, n].
    private static double[] ComputeSo3Generators(int l)
    {
        var n = 2 * l + 1;
        var j = (double)l;
        var raising = new Complex[n * n];
        var lowering = new Complex[n * n];
        for (var i = 0; i < n - 1; i++)
        {
            var m = -l + i; // raising: m = -j .. j-1, sub-diagonal
            raising[(i + 1) * n + i] = -Math.Sqrt(j * (j + 1) - m * (m + 1.0));
            var m2 = -l + 1 + i; // lowering: m = -j+1 .. j, super-diagonal
            lowering[i * n + i + 1] = Math.Sqrt(j * (j + 1) - m2 * (m2 - 1.0));
        }

        var su2 = new Complex[3][];
        su2[0] = new Complex[n * n];
        su2[1] = new Complex[n * n];
        su2[2] = new Complex[n * n];
        for (var k = 0; k < n * n; k++)
        {
            su2[0][k] = 0.5 * (raising[k] + lowering[k]);
            su2[2][k] = new Complex(0, -0.5) * (raising[k] - lowering[k]);
        }

        for (var i = 0; i < n; i++)
        {
            su2[1][i * n + i] = new Complex(0, -l + i);
        }

        var q = BasisCache.GetOrAdd(l, ComputeChangeOfBasis);
        var result = new double[3 * n * n];
        for (var g = 0; g < 3; g++)
        {
            // X = conj(Q^T) @ su2 @ Q
            var xq = MatMul(su2[g], q, n);
            for (var r = 0; r < n; r++)
            {
                for (var c = 0; c < n; c++)
                {
                    var s = Complex.Zero;
                    for (var k = 0; k < n; k++)
                    {
                        s += Complex.Conjugate(q[k * n + r]) * xq[k * n + c];
                    }

                    result[g * n * n + r * n + c] = s.Real;
                }
            }
        }

        return result;
    }

    private static Complex[] MatMul(Complex[] a, Complex[] b, int n)
    {
        var r = new Complex[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < n; k++)
            {
                var aik = a[i * n + k];
                if (aik == Complex.Zero)
                {
                    continue;
                }

                for (var j = 0; j < n; j++)
                {
                    r[i * n + j] += aik * b[k * n + j];
                }
            }
        }

        return r;
    }

    // e3nn _so3_clebsch_gordan: C_real[j,l,m] = sum_{i,k,n} Q1[i,j] Q2[k,l] conj(Q3[n,m]) C_su2[i,k,n], normalised.
    private static double[] ComputeSo3ClebschGordan(int l1, int l2, int l3)
    {
        int n1 = 2 * l1 + 1, n2 = 2 * l2 + 1, n3 = 2 * l3 + 1;
        var cg = Su2ClebschGordan(l1, l2, l3);
        var q1 = BasisCache.GetOrAdd(l1, ComputeChangeOfBasis);
        var q2 = BasisCache.GetOrAdd(l2, ComputeChangeOfBasis);
        var q3 = BasisCache.GetOrAdd(l3, ComputeChangeOfBasis);

        var result = new double[n1 * n2 * n3];
        var c = new Complex[n1 * n2 * n3];
        // The SU(2) coefficients are non-zero only for m3 = m1 + m2: iterate over those.
        for (var i = 0; i < n1; i++)
        {
            for (var k = 0; k < n2; k++)
            {
                var nn = i - l1 + k - l2 + l3;
                if (nn < 0 || nn >= n3)
                {
                    continue;
                }

                var v = cg[(i * n2 + k) * n3 + nn];
                if (v == 0)
                {
                    continue;
                }

                for (var j = 0; j < n1; j++)
                {
                    var a = q1[i * n1 + j];
                    if (a == Complex.Zero)
                    {
                        continue;
                    }

                    for (var l = 0; l < n2; l++)
                    {
                        var b = q2[k * n2 + l];
                        if (b == Complex.Zero)
                        {
                            continue;
                        }

                        var ab = a * b * v;
                        for (var m = 0; m < n3; m++)
                        {
                            var d = q3[nn * n3 + m];
                            if (d != Complex.Zero)
                            {
                                c[(j * n2 + l) * n3 + m] += ab * Complex.Conjugate(d);
                            }
                        }
                    }
                }
            }
        }

        var norm = 0.0;
        for (var idx = 0; idx < c.Length; idx++)
        {
            if (Math.Abs(c[idx].Imaginary) > 1e-5)
            {
                throw new InvalidOperationException(
                    $"Wigner3j({l1}, {l2}, {l3}): the real-basis coefficients came out complex (internal error).");
            }

            result[idx] = c[idx].Real;
            norm += result[idx] * result[idx];
        }

        norm = Math.Sqrt(norm);
        for (var idx = 0; idx < result.Length; idx++)
        {
            result[idx] /= norm;
        }

        return result;
    }

    // SU(2) Clebsch-Gordan <j1 m1 j2 m2 | j3 m3> for integer j, row-major [n1, n2, n3] (e3nn _su2_clebsch_gordan).
    private static double[] Su2ClebschGordan(int j1, int j2, int j3)
    {
        int n1 = 2 * j1 + 1, n2 = 2 * j2 + 1, n3 = 2 * j3 + 1;
        var mat = new double[n1 * n2 * n3];
        for (var m1 = -j1; m1 <= j1; m1++)
        {
            for (var m2 = -j2; m2 <= j2; m2++)
            {
                var m3 = m1 + m2;
                if (Math.Abs(m3) <= j3)
                {
                    mat[((j1 + m1) * n2 + (j2 + m2)) * n3 + (j3 + m3)] = Su2ClebschGordanCoefficient(j1, m1, j2, m2, j3, m3);
                }
            }
        }

        return mat;
    }

    private static double Su2ClebschGordanCoefficient(int j1, int m1, int j2, int m2, int j3, int m3)
    {
        var vmin = Math.Max(Math.Max(-j1 + j2 + m3, -j1 + m1), 0);
        var vmax = Math.Min(Math.Min(j2 + j3 + m1, j3 - j1 + j2), j3 + m3);

        var prefactor = new Rational(
            (2 * j3 + 1) * F(j3 + j1 - j2) * F(j3 - j1 + j2) * F(j1 + j2 - j3) * F(j3 + m3) * F(j3 - m3),
            F(j1 + j2 + j3 + 1) * F(j1 - m1) * F(j1 + m1) * F(j2 - m2) * F(j2 + m2));

        var s = Rational.Zero;
        for (var v = vmin; v <= vmax; v++)
        {
            var term = new Rational(
                F(j2 + j3 + m1 - v) * F(j1 - m1 + v),
                F(v) * F(j3 - j1 + j2 - v) * F(j3 + m3 - v) * F(v + j1 - j2 - m3));
            s = (v + j2 + m2) % 2 == 0 ? s + term : s - term;
        }

        // C = sqrt(prefactor) * S = sign(S) * sqrt(prefactor * S^2), evaluated once from the exact rational.
        var squared = prefactor * s * s;
        return s.Sign * Math.Sqrt(squared.ToDouble());
    }

    private static BigInteger F(int n)
    {
        if (n < 0)
        {
            throw new InvalidOperationException($"factorial of negative number {n} (internal error).");
        }

        var r = BigInteger.One;
        for (var i = 2; i <= n; i++)
        {
            r *= i;
        }

        return r;
    }

    /// <summary>Minimal exact rational number for the Clebsch-Gordan sums.</summary>
    private readonly struct Rational
    {
        public static readonly Rational Zero = new(BigInteger.Zero, BigInteger.One);

        public Rational(BigInteger num, BigInteger den)
        {
            if (den.Sign < 0)
            {
                num = -num;
                den = -den;
            }

            var g = BigInteger.GreatestCommonDivisor(num, den);
            if (!g.IsZero && !g.IsOne)
            {
                num /= g;
                den /= g;
            }

            Num = num;
            Den = den;
        }

        public BigInteger Num { get; }

        public BigInteger Den { get; }

        public int Sign => Num.Sign;

        public static Rational operator +(Rational a, Rational b) => new(a.Num * b.Den + b.Num * a.Den, a.Den * b.Den);

        public static Rational operator -(Rational a, Rational b) => new(a.Num * b.Den - b.Num * a.Den, a.Den * b.Den);

        public static Rational operator *(Rational a, Rational b) => new(a.Num * b.Num, a.Den * b.Den);

        /// <summary>Nearly correctly rounded conversion (64 significant bits of quotient before rounding to double).</summary>
        public double ToDouble()
        {
            if (Num.IsZero)
            {
                return 0.0;
            }

            var num = BigInteger.Abs(Num);
            var shift = (int)(Den.GetBitLength() - num.GetBitLength()) + 64;
            var scaled = shift >= 0 ? (num << shift) / Den : (num >> -shift) / Den;
            var value = Math.ScaleB((double)scaled, -shift);
            return Num.Sign < 0 ? -value : value;
        }
    }
}
