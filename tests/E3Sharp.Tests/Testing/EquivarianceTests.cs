using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Testing;

/// <summary>
/// AssertEquivariant itself can fail; spherical harmonics of high degree stay equivariant; tracing inputs follow the
/// irreps. Every module's equivariance, eager and compiled, is checked by Catalogue/CatalogueTests.
/// </summary>
public class EquivarianceTests
{
    public static IEnumerable<object[]> Dtypes() =>
        new[] { new object[] { ScalarType.Float32 }, new object[] { ScalarType.Float64 } };

    [Theory]
    [MemberData(nameof(Dtypes))]
    public void SphericalHarmonicsAreEquivariant(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        foreach (var normalization in new[] { "integral", "component", "norm" })
        {
            foreach (var normalize in new[] { true, false })
            {
                var sh = SphericalHarmonics.ForLmax(5, normalize, normalization);
                // Unnormalized harmonics grow like |x|^5, and the float64 Wigner D matrices (matrix_exp) are accurate
                // to about 1e-11, so an unlucky large random point could exceed the 1e-9 tolerance: seeded points.
                var generator = new Generator(17, device: CPU);
                var errors = Assertions.AssertEquivariant(sh, inputs: () => new[] { randn(new long[] { 3, 3 }, dtype, generator: generator) });
                Assert.Equal(2, errors.Count);
            }
        }
        // Pseudovector input: odd l with even parity.
        var pseudo = new SphericalHarmonics("0e+1e+2e", true, "component");
        Assert.Equal(new Irreps("1x1e"), pseudo.IrrepsIn[0]);
        Assertions.AssertEquivariant(pseudo, inputs: () => new[] { randn(new long[] { 4, 3 }, dtype) });
    }

    [Fact]
    public void AssertEquivariantFailsOnANonEquivariantFunction()
    {
        // e3nn's test_assert_equivariant: an elementwise product of a vector and a scalar declared with wrong irreps.
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<EquivarianceException>(() => Assertions.AssertEquivariant(
            args => new[] { args[0].mul(args[1]) },
            irrepsIn: new Irreps?[] { "1x1o", "1x1o" },
            irrepsOut: new Irreps?[] { "1x1o" },
            inputs: () => new[] { randn(new long[] { 4, 3 }, ScalarType.Float64), randn(new long[] { 4, 3 }, ScalarType.Float64) }));
        Assert.Contains("Largest componentwise equivariance error of function was too large", ex.Message);
        Assert.Contains("(parity_k=0, did_translate=False) -> max error=", ex.Message);
        Assert.Contains("(parity_k=1, did_translate=False) -> max error=", ex.Message);
        Assert.True(ex.Errors[0].MaxError > 1e-3);

        // A module declared with the wrong output parity fails on the inversion only.
        var lin = new Linear("2x1o", "2x1o", dtype: ScalarType.Float64);
        var errors = Assertions.EquivarianceErrors(args => new[] { lin.forward(args[0]) },
            new Irreps?[] { "2x1o" }, new Irreps?[] { "2x1e" },
            () => new[] { randn(new long[] { 3, 6 }, ScalarType.Float64) });
        Assert.True(errors[0].MaxError < 1e-9, errors[0].ToString());
        Assert.True(errors[1].MaxError > 1e-3, errors[1].ToString());
    }

    [Fact]
    public void TracingInputsFollowIrrepsAndDtype()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: ScalarType.Float64);
        var inputs = ((global::E3Sharp.Jit.ITracingInputs)tp).MakeTracingInputs(5);
        Assert.Equal(5, inputs.Count);
        foreach (var args in inputs)
        {
            Assert.Equal(2, args.Length);
            Assert.Equal(args[0].shape[0], args[1].shape[0]);
            Assert.InRange(args[0].shape[0], 1, 8);
            Assert.Equal(new long[] { args[0].shape[0], 5 }, args[0].shape);
            Assert.Equal(new long[] { args[0].shape[0], 4 }, args[1].shape);
            Assert.Equal(ScalarType.Float64, args[0].dtype);
            tp.forward(args[0], args[1]);
        }
        var external = new FullyConnectedTensorProduct("2x0e", "0e", "2x0e", sharedWeights: false, dtype: ScalarType.Float32);
        var withWeights = ((global::E3Sharp.Jit.ITracingInputs)external).MakeTracingInputs(1)[0];
        Assert.Equal(3, withWeights.Length);
        Assert.Equal(new long[] { withWeights[0].shape[0], external.WeightNumel }, withWeights[2].shape);
        external.forward(withWeights[0], withWeights[1], withWeights[2]);
        var gate = new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() }, "1x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o", ScalarType.Float64);
        var gateInputs = ((global::E3Sharp.Jit.ITracingInputs)gate).MakeTracingInputs(2);
        Assert.All(gateInputs, a => Assert.Equal(ScalarType.Float64, a[0].dtype));
        var norm = ((global::E3Sharp.Jit.ITracingInputs)new Normalize2Mom(nn.Tanh())).MakeTracingInputs(3);
        Assert.Single(norm);
    }
}
