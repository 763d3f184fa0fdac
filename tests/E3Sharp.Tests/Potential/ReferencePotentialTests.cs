using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;

namespace E3Sharp.Tests.Potential;

/// <summary>The analytic reference potential, the data generator and the neighbour list.</summary>
public class ReferencePotentialTests
{
    private static double Energy(ReferencePotential p, double[,] x, int[] s) => p.Compute(x, s).Energy;

    [Theory]
    [InlineData(1, 8)]
    [InlineData(2, 14)]
    [InlineData(3, 20)]
    public void ForcesAreMinusTheGradientOfTheEnergy(int seed, int n)
    {
        var p = ReferencePotential.Default;
        var c = DataGenerator.RandomCluster(n, 2, 2.4, new Random(seed));
        // Compress a little so that many pairs sit in the switching region and the three-body range.
        var x = (double[,])c.Positions.Clone();
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                x[i, k] *= 0.9;
            }
        }

        var (_, f) = p.Compute(x, c.Species);
        const double h = 1e-5;
        var maxForce = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                var xp = (double[,])x.Clone();
                var xm = (double[,])x.Clone();
                xp[i, k] += h;
                xm[i, k] -= h;
                var fd = -(Energy(p, xp, c.Species) - Energy(p, xm, c.Species)) / (2 * h);
                Assert.True(Math.Abs(fd - f[i, k]) < 1e-6,
                    $"atom {i} component {k}: analytic force {f[i, k]:R}, finite difference {fd:R}");
                maxForce = Math.Max(maxForce, Math.Abs(f[i, k]));
            }
        }

        Assert.True(maxForce > 1e-3, "the test configuration should have non-trivial forces");
    }

    [Fact]
    public void ThreeBodyTermContributesAndIsRotationInvariant()
    {
        var c = DataGenerator.RandomCluster(10, 2, 2.6, new Random(5));
        var withThreeBody = ReferencePotential.Default;
        var pairOnly = new ReferencePotential(new[,] { { 0.12, 0.10 }, { 0.10, 0.08 } },
            new[,] { { 2.6, 2.8 }, { 2.8, 3.0 } }, 4.0, 5.0, new[] { 0.0, 0.0 }, 1.2, 4.2, -1.0 / 3.0);
        var e3 = Energy(withThreeBody, c.Positions, c.Species);
        var e2 = Energy(pairOnly, c.Positions, c.Species);
        Assert.True(Math.Abs(e3 - e2) > 1e-3, $"three-body energy {e3 - e2} should not vanish");

        // Rotate about an arbitrary axis (Rodrigues) and translate: energy unchanged, forces rotate.
        var axis = new[] { 0.3, -0.5, 0.81 };
        var norm = Math.Sqrt(axis.Sum(a => a * a));
        var (ux, uy, uz) = (axis[0] / norm, axis[1] / norm, axis[2] / norm);
        var (cs, sn) = (Math.Cos(1.1), Math.Sin(1.1));
        var r = new double[,]
        {
            { cs + ux * ux * (1 - cs), ux * uy * (1 - cs) - uz * sn, ux * uz * (1 - cs) + uy * sn },
            { uy * ux * (1 - cs) + uz * sn, cs + uy * uy * (1 - cs), uy * uz * (1 - cs) - ux * sn },
            { uz * ux * (1 - cs) - uy * sn, uz * uy * (1 - cs) + ux * sn, cs + uz * uz * (1 - cs) },
        };
        var x2 = new double[c.Count, 3];
        for (var i = 0; i < c.Count; i++)
        {
            for (var a = 0; a < 3; a++)
            {
                for (var b = 0; b < 3; b++)
                {
                    x2[i, a] += r[a, b] * c.Positions[i, b];
                }

                x2[i, a] += 1.7 * (a + 1);
            }
        }

        var (eRot, fRot) = withThreeBody.Compute(x2, c.Species);
        var (_, f) = withThreeBody.Compute(c.Positions, c.Species);
        Assert.Equal(e3, eRot, 10);
        for (var i = 0; i < c.Count; i++)
        {
            for (var a = 0; a < 3; a++)
            {
                var expected = 0.0;
                for (var b = 0; b < 3; b++)
                {
                    expected += r[a, b] * f[i, b];
                }

                Assert.Equal(expected, fRot[i, a], 10);
            }
        }
    }

    [Fact]
    public void PairTermIsSmoothAtTheCutoff()
    {
        var p = ReferencePotential.Default;
        double E(double d) => Energy(p, new double[,] { { 0, 0, 0 }, { d, 0, 0 } }, new[] { 0, 1 });
        var rc = p.PairCutoff;
        Assert.Equal(0.0, E(rc), 15);
        Assert.True(Math.Abs(E(rc - 1e-4)) < 1e-12, "energy just inside the cutoff should be tiny (C² switch)");
        Assert.True(E(p.SwitchOn) < 0, "the pair term is attractive at the switch-on distance");
    }

    [Fact]
    public void GeneratorIsDeterministicAndLabelsMatchThePotential()
    {
        var options = new DataOptions { Trajectories = 1, FramesPerTrajectory = 3, EquilibrationSteps = 20, StepsBetweenFrames = 5 };
        var a = DataGenerator.Generate(ReferencePotential.Default, options);
        var b = DataGenerator.Generate(ReferencePotential.Default, options);
        Assert.Equal(3, a.Count);
        for (var k = 0; k < a.Count; k++)
        {
            Assert.Equal(a[k].Positions.Cast<double>(), b[k].Positions.Cast<double>());
            var (e, f) = ReferencePotential.Default.Compute(a[k].Positions, a[k].Species);
            Assert.Equal(e, a[k].Energy);
            Assert.Equal(f.Cast<double>(), a[k].Forces!.Cast<double>());
        }
    }

    [Fact]
    public void NeighborListHasEveryOrderedPairWithinTheCutoff()
    {
        var x = new double[,] { { 0, 0, 0 }, { 1.0, 0, 0 }, { 0, 2.5, 0 }, { 9, 9, 9 } };
        var e = NeighborList.Build(x, 2.0);
        var pairs = Enumerable.Range(0, e.GetLength(1)).Select(k => (e[0, k], e[1, k])).ToHashSet();
        Assert.Equal(new HashSet<(long, long)> { (0, 1), (1, 0) }, pairs);
        var e2 = NeighborList.Build(x, 3.0);
        Assert.Equal(6, e2.GetLength(1)); // 0-1, 0-2, 1-2 both ways
    }

    [Fact]
    public void FitShiftsRecoversPerSpeciesEnergies()
    {
        var configs = new List<Configuration>();
        var random = new Random(2);
        for (var k = 0; k < 6; k++)
        {
            var c = DataGenerator.RandomCluster(4 + k, 2, 2.0, random);
            c.Energy = c.Species.Sum(s => s == 0 ? -1.25 : 0.5);
            configs.Add(c);
        }

        var shifts = Dataset.FitShifts(configs, 2);
        Assert.Equal(-1.25, shifts[0], 6);
        Assert.Equal(0.5, shifts[1], 6);
    }

    [Fact]
    public void InvalidInputsAreRejectedWithClearMessages()
    {
        var p = ReferencePotential.Default;
        var e1 = Assert.Throws<ArgumentException>(() => p.Compute(new double[2, 3], new[] { 0, 2 }));
        Assert.Contains("species index 2 is out of range for 2 species", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => p.Compute(new double[2, 2], new[] { 0, 1 }));
        Assert.Contains("positions must be [2, 3]", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new ReferencePotential(new double[2, 2], new double[2, 2], 5.0,
            4.0, new[] { 0.0, 0.0 }, 1.0, 4.0, 0.0));
        Assert.Contains("need 0 < switchOn < pairCutoff", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => new Configuration(new double[3, 3], new[] { 0, 1 }));
        Assert.Contains("3 positions but 2 species indices", e4.Message);
        var e5 = Assert.Throws<ArgumentOutOfRangeException>(() => NeighborList.Build(new double[1, 3], 0.0));
        Assert.Contains("the cutoff must be positive", e5.Message);
    }
}
