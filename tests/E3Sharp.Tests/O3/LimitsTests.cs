using E3Sharp.O3;
using E3Sharp.O3.Modules;

namespace E3Sharp.Tests.O3;

/// <summary>Sizes that do not fit and weights that would give NaN are refused (issue 17: "1x2147483647e" had
/// dimension -1; negative or NaN path weights produced NaN outputs).</summary>
public class LimitsTests
{
    [Fact]
    public void DimensionsThatOverflowThrow()
    {
        var e = Assert.Throws<OverflowException>(() => new Irreps("1x2147483647e").Dim);
        Assert.Contains("2147483647e exceeds Int32.MaxValue", e.Message);
        e = Assert.Throws<OverflowException>(() => new Irreps("1073741824x1o").Dim);
        Assert.Contains("1073741824x1o (1073741824 x 3) exceeds Int32.MaxValue", e.Message);
        e = Assert.Throws<OverflowException>(() => new Irreps("2147483647x0e+1x0e").Dim);
        Assert.Contains("(2147483648) exceeds Int32.MaxValue", e.Message);
        Assert.Equal(2147483647, new Irreps("2147483647x0e").Dim);
        Assert.Equal(2147483647, new Irrep(1073741823, 1).Dim);
    }

    [Theory]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void PathWeightsMustBeFiniteAndNonNegative(double weight)
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x0e", new[] { new Instruction(0, 0, 0, "uvw", true, weight) }));
        Assert.Contains($"TensorProduct(1x1o x 1x1o -> 1x0e): instruction 0 has path weight {weight}; a path weight must be finite and >= 0", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x0e", new[] { new Instruction(0, 0, 0, "uvw", true) }, in1Var: new[] { weight }));
        Assert.Contains("in1Var must hold finite variances >= 0", e.Message);
        // Zero is allowed (a path switched off), as in e3nn.
        Assert.Equal(0.0, new TensorProduct("1x1o", "1x1o", "1x0e", new[] { new Instruction(0, 0, 0, "uvw", true, 0.0) }).Instructions[0].PathWeight);
    }
}
