using CsCheck;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

public class WignerTests
{
    [Fact]
    public void Wigner3jMatchesE3nnReferenceForAllTriplesUpTo3()
    {
        using var doc = Reference.Load("wigner_3j");
        var entries = doc.RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(34, entries.Count);
        foreach (var entry in entries)
        {
            using var scope = NewDisposeScope();
            int l1 = entry.GetProperty("l1").GetInt32(), l2 = entry.GetProperty("l2").GetInt32(), l3 = entry.GetProperty("l3").GetInt32();
            var what = $"w3j({l1},{l2},{l3})";
            var c64 = Wigner.Wigner3j(l1, l2, l3, ScalarType.Float64);
            Assert.Equal(ScalarType.Float64, c64.dtype);
            O3Assert.Close(Reference.ToTensor(entry.GetProperty("float64")), c64, 1e-12, what: what + " float64");
            var c32 = Wigner.Wigner3j(l1, l2, l3, ScalarType.Float32);
            Assert.Equal(ScalarType.Float32, c32.dtype);
            O3Assert.Close(Reference.ToTensor(entry.GetProperty("float32")), c32, 1e-6, what: what + " float32");
        }
    }

    [Fact]
    public void Wigner3jMatchesE3nnReferenceForHigherDegrees()
    {
        using var doc = O3Assert.Extra();
        foreach (var entry in doc.RootElement.GetProperty("wigner_3j").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            int l1 = entry.GetProperty("l1").GetInt32(), l2 = entry.GetProperty("l2").GetInt32(), l3 = entry.GetProperty("l3").GetInt32();
            O3Assert.Close(Reference.ToTensor(entry.GetProperty("float64")), Wigner.Wigner3j(l1, l2, l3, ScalarType.Float64),
                1e-12, what: $"w3j({l1},{l2},{l3})");
        }
    }

    [Fact]
    public void Wigner3jReturnsFreshTensorsSoTheCacheCannotBeCorrupted()
    {
        using var first = Wigner.Wigner3j(1, 1, 2, ScalarType.Float64);
        using var expected = first.clone();
        first.mul_(-3.0);
        using var second = Wigner.Wigner3j(1, 1, 2, ScalarType.Float64);
        O3Assert.Close(expected, second, 0.0, what: "after mutating an earlier result");
    }

    [Fact]
    public void Wigner3jUsesDefaultDtypeWhenNoneGiven()
    {
        using var c = Wigner.Wigner3j(1, 1, 0);
        Assert.Equal(get_default_dtype(), c.dtype);
        Assert.Equal(new long[] { 3, 3, 1 }, c.shape);
    }

    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(4, 1, 2)]
    [InlineData(0, 2, 1)]
    public void Wigner3jRejectsTriangleViolationsNamingTheDegrees(int l1, int l2, int l3)
    {
        var ex = Assert.Throws<ArgumentException>(() => Wigner.Wigner3j(l1, l2, l3));
        Assert.Equal(
            $"Wigner3j: (l1, l2, l3) = ({l1}, {l2}, {l3}) violates the triangle condition |l2 - l3| <= l1 <= l2 + l3.",
            ex.Message);
    }

    [Fact]
    public void Wigner3jRejectsNegativeDegrees()
    {
        var ex = Assert.Throws<ArgumentException>(() => Wigner.Wigner3j(1, -1, 1));
        Assert.Equal("Wigner3j: degrees must be non-negative; got (l1, l2, l3) = (1, -1, 1).", ex.Message);
    }

    [Fact]
    public void WignerDRejectsNegativeDegree()
    {
        using var z = zeros(2);
        var ex = Assert.Throws<ArgumentException>(() => Wigner.WignerD(-2, z, z, z));
        Assert.StartsWith("WignerD: the degree l must be non-negative; got l = -2.", ex.Message);
        Assert.Equal("l", ex.ParamName);
    }

    [Fact]
    public void WignerDMatchesE3nnReferenceWithFloat64Generators()
    {
        using var doc = O3Assert.Extra();
        var d = doc.RootElement.GetProperty("wigner_D");
        using var angles = O3Assert.Rows(d.GetProperty("angles"));
        var abc = angles.unbind(-1);
        foreach (var c in d.GetProperty("cases").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            var l = c.GetProperty("l").GetInt32();
            var actual = Wigner.WignerD(l, abc[0], abc[1], abc[2]);
            Assert.Equal(ScalarType.Float64, actual.dtype);
            O3Assert.Close(Reference.ToTensor(c.GetProperty("float64")), actual, 1e-11, what: $"D^{l}");
        }
    }

    [Fact]
    public void So3GeneratorsMatchE3nnReference()
    {
        using var doc = O3Assert.Extra();
        foreach (var c in doc.RootElement.GetProperty("so3_generators").EnumerateArray())
        {
            using var scope = NewDisposeScope();
            var l = c.GetProperty("l").GetInt32();
            O3Assert.Close(Reference.ToTensor(c.GetProperty("float64")), Wigner.So3Generators(l, ScalarType.Float64), 1e-14,
                what: $"generators l={l}");
        }
    }

    [Fact]
    public void ChangeOfBasisIsUnitaryAndMakesGeneratorsReal()
    {
        using var scope = NewDisposeScope();
        for (var l = 0; l <= 4; l++)
        {
            var q = Wigner.ChangeBasisRealToComplex(l);
            Assert.Equal(ScalarType.ComplexFloat64, q.dtype);
            var qhq = q.conj().transpose(0, 1).matmul(q);
            O3Assert.Close(eye(2 * l + 1, dtype: ScalarType.Float64), real(qhq), 1e-15, what: $"Q^H Q (l={l})");
            O3Assert.Close(zeros(2 * l + 1, 2 * l + 1, ScalarType.Float64), imag(qhq), 1e-15, what: $"Im Q^H Q (l={l})");
        }

        Assert.Equal(ScalarType.ComplexFloat32, Wigner.ChangeBasisRealToComplex(1, ScalarType.Float32).dtype);
    }

    [Fact]
    public void WignerDOfDegreeOneIsTheRotationMatrixInXyzOrder()
    {
        using var scope = NewDisposeScope();
        var (a, b, c) = Rotations.RandAngles(new long[] { 20 }, ScalarType.Float64, generator: new Generator(7));
        O3Assert.Close(Rotations.AnglesToMatrix(a, b, c), Wigner.WignerD(1, a, b, c), 1e-9, what: "D^1 vs R");
        var g = Wigner.So3Generators(1, ScalarType.Float64);
        var t = tensor(0.7, ScalarType.Float64);
        O3Assert.Close(Rotations.MatrixX(t), linalg.matrix_exp(g[0] * t), 1e-14, what: "exp(t X0)");
        O3Assert.Close(Rotations.MatrixY(t), linalg.matrix_exp(g[1] * t), 1e-14, what: "exp(t X1)");
        O3Assert.Close(Rotations.MatrixZ(t), linalg.matrix_exp(g[2] * t), 1e-14, what: "exp(t X2)");
    }

    [Fact]
    public void WignerDIsAccurateToDoublePrecisionForEveryAngle()
    {
        // LibTorch's matrix_exp loses ~1e-11 (float64) for small matrix norms, e.g. a single angle of 0.03 (a batch
        // hides it: its degree is chosen for the largest norm); D must not.
        using var scope = NewDisposeScope();
        var sweep = new[] { 0.0, 1e-12, 1e-6, 1e-4, 1e-3, 0.002, 0.005, 0.01, 0.02, 0.03, 0.035, 0.04, 0.05, 0.1, 0.3, 0.49, 0.5, 1.0,
            Math.PI, 6.0, 2 * Math.PI - 0.03, 2 * Math.PI, -0.03, 4 * Math.PI + 0.03 };
        var zero = tensor(0.0, ScalarType.Float64);
        foreach (var angle in sweep)
        {
            var t = tensor(angle, ScalarType.Float64);
            foreach (var (a, b, c) in new[] { (t, zero, zero), (zero, t, zero), (zero, zero, t), (t, t, t) })
            {
                O3Assert.Close(Rotations.AnglesToMatrix(a, b, c), Wigner.WignerD(1, a, b, c), 5e-14,
                    what: $"D^1 vs R at {angle}");
                foreach (var l in new[] { 2, 3, 5, 11 })
                {
                    var d = Wigner.WignerD(l, a, b, c);
                    O3Assert.Close(eye(2 * l + 1, dtype: ScalarType.Float64), d.matmul(d.T), 1e-14 * (2 * l + 1),
                        what: $"D^{l} D^{l}^T at {angle}");
                }
            }
        }
    }

    [Fact]
    public void WignerDBroadcastsAnglesAndKeepsFloat32()
    {
        using var scope = NewDisposeScope();
        var a = rand(4, 1, ScalarType.Float32);
        var b = rand(1, 3, ScalarType.Float32);
        var c = tensor(0.5f);
        var d = Wigner.WignerD(2, a, b, c);
        Assert.Equal(new long[] { 4, 3, 5, 5 }, d.shape);
        Assert.Equal(ScalarType.Float32, d.dtype);
        var d64 = Wigner.WignerD(2, a.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64), c.to_type(ScalarType.Float64));
        O3Assert.Close(d64, d, 1e-5, what: "float32 vs float64");
    }

    private static readonly Gen<double> Angle = Gen.Double[-7.0, 7.0];
    private static readonly Gen<(double, double, double)> Angles = Gen.Select(Angle, Angle, Angle);

    private static (Tensor, Tensor, Tensor) T((double A, double B, double C) x)
        => (tensor(x.A, ScalarType.Float64), tensor(x.B, ScalarType.Float64), tensor(x.C, ScalarType.Float64));

    [Fact]
    public void WignerDIsAHomomorphism()
    {
        Gen.Select(Angles, Angles).Sample(pair =>
        {
            using var scope = NewDisposeScope();
            var (a1, b1, c1) = T(pair.Item1);
            var (a2, b2, c2) = T(pair.Item2);
            var (a, b, c) = Rotations.MatrixToAngles(Rotations.AnglesToMatrix(a1, b1, c1).matmul(Rotations.AnglesToMatrix(a2, b2, c2)));
            for (var l = 0; l <= 4; l++)
            {
                // MatrixToAngles takes acos of R[1,1] (as e3nn): near beta = 0 or pi the angles carry ~sqrt(eps) errors.
                O3Assert.Close(Wigner.WignerD(l, a1, b1, c1).matmul(Wigner.WignerD(l, a2, b2, c2)), Wigner.WignerD(l, a, b, c),
                    1e-6, what: $"D^{l}(R1 R2)");
            }
        }, iter: 25);
    }

    [Fact]
    public void WignerDIsOrthogonalAndInverseIsTranspose()
    {
        Angles.Sample(x =>
        {
            using var scope = NewDisposeScope();
            var (a, b, c) = T(x);
            var (ia, ib, ic) = Rotations.InverseAngles(a, b, c);
            for (var l = 0; l <= 4; l++)
            {
                var d = Wigner.WignerD(l, a, b, c);
                // LibTorch's float64 matrix_exp (used by e3nn too) is accurate to ~1e-11, not to machine precision.
                O3Assert.Close(eye(2 * l + 1, dtype: ScalarType.Float64), d.matmul(d.transpose(0, 1)), 1e-9, what: $"D^{l} D^{l}T");
                O3Assert.Close(d.transpose(0, 1), Wigner.WignerD(l, ia, ib, ic), 1e-9, what: $"D^{l}(R^-1)");
            }
        }, iter: 25);
    }

    [Fact]
    public void Wigner3jIsInvariantUnderRotations()
    {
        var triples = new[] { (0, 0, 0), (1, 1, 0), (1, 1, 1), (1, 1, 2), (2, 1, 3), (2, 2, 2), (3, 2, 1), (4, 2, 3), (3, 3, 4), (5, 3, 2) };
        Angles.Sample(x =>
        {
            using var scope = NewDisposeScope();
            var (a, b, c) = T(x);
            foreach (var (l1, l2, l3) in triples)
            {
                var w = Wigner.Wigner3j(l1, l2, l3, ScalarType.Float64);
                var rotated = einsum("ijk,il,jm,kn->lmn", w, Wigner.WignerD(l1, a, b, c), Wigner.WignerD(l2, a, b, c), Wigner.WignerD(l3, a, b, c));
                O3Assert.Close(w, rotated, 1e-9, what: $"w3j({l1},{l2},{l3}) invariance");
                Assert.Equal(1.0, w.square().sum().item<double>(), 12);
            }
        }, iter: 10);
    }
}
