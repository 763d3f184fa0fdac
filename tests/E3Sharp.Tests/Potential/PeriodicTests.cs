using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// Periodic systems: the neighbour list with image shifts (triclinic cells, r_max larger than half the cell), forces
/// and the virial against finite differences of the energy (moving atoms; straining positions and cell), and the
/// energy of a supercell against the unit cell's.
/// </summary>
public class PeriodicTests
{
    internal static ModelConfig Config { get; } = new() { RMax = 4.0, AvgNumNeighbors = 10.0 };

    /// <summary>A LAMMPS-shaped triclinic cell (rows a = (lx, 0, 0), b = (xy, ly, 0), c = (xz, yz, lz)).</summary>
    internal static double[,] TriclinicCell { get; } = { { 6.2, 0, 0 }, { 0.8, 5.9, 0 }, { -0.5, 0.6, 6.1 } };

    /// <summary>Eight atoms on a perturbed simple-cubic grid of the triclinic cell (2.9 to 3.3 Å apart).</summary>
    internal static Configuration Frame(int seed, int species = 2, double[,]? cell = null)
    {
        cell ??= TriclinicCell;
        var random = new Random(seed);
        var pos = new double[8, 3];
        var types = new int[8];
        var i = 0;
        foreach (var (fa, fb, fc) in new[] { (0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (1, 0, 1), (0, 1, 1), (1, 1, 1) })
        {
            var f = new[] { 0.5 * fa + 0.04 * (2 * random.NextDouble() - 1), 0.5 * fb + 0.04 * (2 * random.NextDouble() - 1),
                0.5 * fc + 0.04 * (2 * random.NextDouble() - 1) };
            for (var d = 0; d < 3; d++)
            {
                pos[i, d] = f[0] * cell[0, d] + f[1] * cell[1, d] + f[2] * cell[2, d];
            }

            types[i] = random.Next(species);
            i++;
        }

        return new Configuration(pos, types) { Cell = (double[,])cell.Clone(), Pbc = new[] { true, true, true } };
    }

    [Fact]
    public void NeighbourListMatchesABruteForceSearchOverImages()
    {
        // A cell smaller than the cutoff along every direction: atoms neighbour their own images, several times.
        var small = new double[,] { { 3.0, 0, 0 }, { 0.9, 2.8, 0 }, { 0.4, -0.7, 3.2 } };
        foreach (var (c, cutoff) in new[] { (Frame(1), 4.0), (Frame(2, cell: small), 4.0), (Frame(3), 7.5) })
        {
            // Unwrap one atom by lattice vectors: the edges must describe the same vectors.
            var moved = (double[,])c.Positions.Clone();
            for (var d = 0; d < 3; d++)
            {
                moved[2, d] += 2 * c.Cell![0, d] - c.Cell[2, d];
            }

            foreach (var positions in new[] { c.Positions, moved })
            {
                var edges = NeighborList.Build(positions, c.Cell, c.Pbc, cutoff);
                var got = Vectors(positions, c.Cell!, edges.EdgeIndex, edges.CellShifts);
                var expected = new List<(long, long, string)>();
                for (var i = 0; i < c.Count; i++)
                {
                    for (var j = 0; j < c.Count; j++)
                    {
                        for (var s0 = -6; s0 <= 6; s0++)
                        {
                            for (var s1 = -6; s1 <= 6; s1++)
                            {
                                for (var s2 = -6; s2 <= 6; s2++)
                                {
                                    var v = new double[3];
                                    for (var d = 0; d < 3; d++)
                                    {
                                        v[d] = positions[j, d] - positions[i, d] + s0 * c.Cell![0, d] + s1 * c.Cell[1, d] + s2 * c.Cell[2, d];
                                    }

                                    var r = Math.Sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
                                    if (r > 1e-9 && r < cutoff)
                                    {
                                        expected.Add((i, j, Key(v)));
                                    }
                                }
                            }
                        }
                    }
                }

                Assert.True(expected.Count > 8 * 5, $"expected many edges, got {expected.Count}");
                Assert.Equal(expected.OrderBy(e => e).ToList(), got.OrderBy(e => e).ToList());
            }
        }
    }

    [Fact]
    public void PeriodicForcesAreMinusTheGradientOfTheEnergy()
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(ScalarType.Float64, seed: 11, config: Config);
        var c = Frame(5);
        var g = Graph.FromConfiguration(c, Config.RMax, ScalarType.Float64);
        var forces = g.Evaluate(potential).Forces.detach();
        Assert.True(forces.abs().max().item<double>() > 1e-3, "forces should be non-trivial");
        const double h = 1e-5;
        for (var i = 0; i < c.Count; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                using var inner = NewDisposeScope();
                double Energy(double delta)
                {
                    var pos = g.Positions.clone();
                    pos[i, k] += delta;
                    return potential.Evaluate(pos, g.EdgeIndex, g.AtomTypes, g.EdgeCellShift, g.Cells).Energy.item<double>();
                }

                var fd = -(Energy(h) - Energy(-h)) / (2 * h);
                var f = forces[i, k].item<double>();
                Assert.True(Math.Abs(fd - f) < 1e-7, $"atom {i} component {k}: autograd {f:R}, finite difference {fd:R}");
            }
        }
    }

    [Fact]
    public void VirialIsMinusTheStrainDerivativeOfTheEnergy()
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(ScalarType.Float64, seed: 12, config: Config);
        var c = Frame(6);
        var g = Graph.FromConfiguration(c, Config.RMax, ScalarType.Float64);
        var virial = g.Evaluate(potential).Virial.detach().reshape(3, 3);
        Assert.True(virial.abs().max().item<double>() > 1e-3, "the virial should be non-trivial");
        Assert.True(virial.allclose(virial.transpose(0, 1), rtol: 0, atol: 1e-12), "the virial should be symmetric");
        const double h = 1e-6;
        for (var a = 0; a < 3; a++)
        {
            for (var b = a; b < 3; b++)
            {
                using var inner = NewDisposeScope();
                // Strain positions and cell by (1 + S), S symmetric with dE/dh = ∂E/∂ε_ab (= −virial_ab).
                double Energy(double delta)
                {
                    var s = eye(3, dtype: ScalarType.Float64);
                    s[a, b] += a == b ? delta : delta / 2;
                    s[b, a] += a == b ? 0 : delta / 2;
                    return potential.Evaluate(g.Positions.mm(s), g.EdgeIndex, g.AtomTypes, g.EdgeCellShift,
                        g.Cells.reshape(3, 3).mm(s)).Energy.item<double>();
                }

                var fd = -(Energy(h) - Energy(-h)) / (2 * h);
                var v = virial[a, b].item<double>();
                Assert.True(Math.Abs(fd - v) < 1e-6, $"virial[{a}, {b}]: autograd {v:R}, finite difference {fd:R}");
            }
        }
    }

    [Fact]
    public void SupercellEnergyIsTheUnitCellEnergyTimesItsSize()
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(ScalarType.Float64, seed: 13, config: Config);
        var unit = Frame(7);
        var n = unit.Count;
        var superPos = new double[2 * n, 3];
        var superCell = (double[,])unit.Cell!.Clone();
        for (var d = 0; d < 3; d++)
        {
            superCell[1, d] *= 2;
        }

        for (var i = 0; i < n; i++)
        {
            for (var d = 0; d < 3; d++)
            {
                superPos[i, d] = unit.Positions[i, d];
                superPos[n + i, d] = unit.Positions[i, d] + unit.Cell[1, d];
            }
        }

        var sup = new Configuration(superPos, unit.Species.Concat(unit.Species).ToArray())
        {
            Cell = superCell, Pbc = new[] { true, true, true },
        };
        var u = Graph.FromConfiguration(unit, Config.RMax, ScalarType.Float64).Evaluate(potential);
        var s = Graph.FromConfiguration(sup, Config.RMax, ScalarType.Float64).Evaluate(potential);
        Assert.Equal(2 * u.Energy.item<double>(), s.Energy.item<double>(), 9);
        Assert.True(s.Forces.detach()[..n].allclose(u.Forces.detach(), rtol: 0, atol: 1e-9), "forces of the first copy");
        Assert.True(s.Forces.detach()[n..].allclose(u.Forces.detach(), rtol: 0, atol: 1e-9), "forces of the second copy");
        Assert.True(s.Virial.detach().allclose(2 * u.Virial.detach(), rtol: 0, atol: 1e-9), "virial");

        // The same energy as a batch of both (disconnected graphs, one cell each).
        var both = Graph.Batch(new[] { unit, sup }, Config.RMax, ScalarType.Float64).Evaluate(potential);
        Assert.Equal(u.Energy.item<double>(), both.Energy[0].item<double>(), 9);
        Assert.Equal(s.Energy.item<double>(), both.Energy[1].item<double>(), 9);
        Assert.True(both.Virial.detach()[1].allclose(s.Virial.detach()[0], rtol: 0, atol: 1e-9), "batched virial");
    }

    private static List<(long, long, string)> Vectors(double[,] pos, double[,] cell, long[,] index, int[,] shifts)
    {
        var list = new List<(long, long, string)>();
        for (var e = 0; e < index.GetLength(1); e++)
        {
            long i = index[0, e], j = index[1, e];
            var v = new double[3];
            for (var d = 0; d < 3; d++)
            {
                v[d] = pos[j, d] - pos[i, d] + shifts[e, 0] * cell[0, d] + shifts[e, 1] * cell[1, d] + shifts[e, 2] * cell[2, d];
            }

            list.Add((i, j, Key(v)));
        }

        return list;
    }

    private static string Key(double[] v) => string.Join(",", v.Select(x => (Math.Round(x, 6) + 0.0).ToString("F6", System.Globalization.CultureInfo.InvariantCulture)));
}
