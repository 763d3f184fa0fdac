using E3Sharp.O3;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3;

/// <summary>rand_axis_angle, compose_axis_angle and su2_generators against e3nn 0.5.6
/// (Data/reference/parity/parity_rtp.json).</summary>
public class RotationHelpersTests
{
    [Fact]
    public void RandAndComposeAxisAngleMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_rtp"));
        var r = doc.RootElement.GetProperty("rotations");
        // e3nn drew after torch.manual_seed(7) from the global generator; a fresh generator seeded 7 gives the same stream.
        var (axis, angle) = Rotations.RandAxisAngle(new long[] { 4 }, ScalarType.Float64, generator: new Generator(7));
        AssertClose(Reference.ToTensor(r.GetProperty("rand_axis_angle_seed7").GetProperty("axis")), axis, 1e-10, "axis");
        AssertClose(Reference.ToTensor(r.GetProperty("rand_axis_angle_seed7").GetProperty("angle")), angle, 1e-10, "angle");

        var c = r.GetProperty("compose_axis_angle");
        var (a, t) = Rotations.ComposeAxisAngle(Reference.ToTensor(c.GetProperty("axis1")), Reference.ToTensor(c.GetProperty("angle1")),
            Reference.ToTensor(c.GetProperty("axis2")), Reference.ToTensor(c.GetProperty("angle2")));
        AssertClose(Reference.ToTensor(c.GetProperty("axis")), a, 1e-10, "composed axis");
        AssertClose(Reference.ToTensor(c.GetProperty("angle")), t, 1e-10, "composed angle");
        // The composition is the product of the matrices (axis 2 applied first).
        var m = Rotations.AxisAngleToMatrix(Reference.ToTensor(c.GetProperty("axis1")), Reference.ToTensor(c.GetProperty("angle1")))
            .matmul(Rotations.AxisAngleToMatrix(Reference.ToTensor(c.GetProperty("axis2")), Reference.ToTensor(c.GetProperty("angle2"))));
        AssertClose(m, Rotations.AxisAngleToMatrix(a, t), 1e-12, "matrix product");
    }

    [Fact]
    public void Su2GeneratorsMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_rtp"));
        foreach (var c in doc.RootElement.GetProperty("rotations").GetProperty("su2_generators").EnumerateArray())
        {
            var j = c.GetProperty("j").GetDouble();
            var g = Wigner.Su2Generators(j);
            Assert.Equal(ScalarType.ComplexFloat64, g.dtype);
            // e3nn's generators are complex64 (float32 square roots).
            AssertClose(Reference.ToTensor(c.GetProperty("real")), g.real, 1e-6, $"j={j} real");
            AssertClose(Reference.ToTensor(c.GetProperty("imag")), g.imag, 1e-6, $"j={j} imag");
            // Lie algebra: [X, Y] = Z for e3nn's basis (as so3_generators).
            var comm = g[0].matmul(g[1]).sub(g[1].matmul(g[0]));
            AssertClose(g[2].real, comm.real, 1e-12, $"j={j} [X0, X1] = X2 (real)");
            AssertClose(g[2].imag, comm.imag, 1e-12, $"j={j} [X0, X1] = X2 (imag)");
            Assert.Equal(ScalarType.ComplexFloat32, Wigner.Su2Generators(j, ScalarType.Float32).dtype);
        }

        Assert.Throws<ArgumentException>(() => Wigner.Su2Generators(0.3));
        Assert.Throws<ArgumentException>(() => Wigner.Su2Generators(-1));
    }
}
