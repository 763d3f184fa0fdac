using E3Sharp.O3;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Model.Allegro;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using E3Sharp.Testing;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The eager Allegro-style model: strict locality, forces and virial against finite differences, symmetries,
/// supercells, and pair_allegro's ghost-atom form of a periodic system (what one MPI rank of LAMMPS passes).
/// </summary>
public class AllegroModelTests
{
    internal static AllegroConfig Config { get; } = new() { RMax = 4.0, AvgNumNeighbors = 10.0 };

    internal static AllegroEnergyForces NewAllegro(ScalarType dtype, int seed = 0, AllegroConfig? config = null,
        double[]? shifts = null)
    {
        manual_seed(seed);
        var model = new AllegroModel(config ?? Config, dtype);
        // Non-trivial scale and shifts so that they are part of every check.
        model.SetScaleShift(0.3, shifts ?? new[] { -0.2, 0.1 });
        var potential = new AllegroEnergyForces(model);
        potential.eval();
        return potential;
    }

    /// <summary>Per-atom energies of a cluster (no cell) with edges within r_max.</summary>
    private static double[] AtomicEnergies(AllegroEnergyForces potential, Configuration c)
    {
        using var scope = NewDisposeScope();
        using var g = Graph.FromConfiguration(c, potential.Model.Config.RMax, ScalarType.Float64);
        var atomic = g.Evaluate(potential).AtomicEnergy.detach();
        return atomic.reshape(-1).data<double>().ToArray();
    }

    [Fact]
    public void AtomEnergyDependsOnlyOnNeighboursWithinRMax()
    {
        using var scope = NewDisposeScope();
        var potential = NewAllegro(ScalarType.Float64, seed: 1);
        var rMax = Config.RMax;
        // Atom 0 at the origin, three neighbours within r_max, atom 4 further away; atoms 1-3 are within r_max of 4,
        // so a two-layer message-passing model would let atom 4 change E_0. A strictly local one must not.
        var basePos = new double[,]
        {
            { 0, 0, 0 }, { 2.5, 0.3, 0 }, { 0.4, 2.6, 0.2 }, { 0.1, -0.3, 2.7 }, { 5.5, 1.0, 0.5 },
        };
        var species = new[] { 0, 1, 0, 1, 1 };
        Configuration With(double x, double y, double z)
        {
            var p = (double[,])basePos.Clone();
            (p[4, 0], p[4, 1], p[4, 2]) = (x, y, z);
            return new Configuration(p, species);
        }

        var reference = AtomicEnergies(potential, With(5.5, 1.0, 0.5));
        foreach (var (x, y, z) in new[] { (6.5, -1.0, 0.5), (4.3, 1.5, 1.0), (0.5, 4.2, 2.5) })
        {
            Assert.True(Math.Sqrt(x * x + y * y + z * z) > rMax);
            var moved = AtomicEnergies(potential, With(x, y, z));
            Assert.Equal(reference[0], moved[0], 12);
            // Atom 1 sees atom 4 move within its own sphere (2.5 Å and 1.8-3.6 Å apart): E_1 changes.
            Assert.True(Math.Abs(reference[1] - moved[1]) > 1e-6, $"E_1 should change: {reference[1]:R} vs {moved[1]:R}");
        }

        // Moving atom 4 inside atom 0's sphere changes E_0.
        var inside = AtomicEnergies(potential, With(2.0, -1.5, 1.8));
        Assert.True(Math.Abs(reference[0] - inside[0]) > 1e-6, $"E_0 should change: {reference[0]:R} vs {inside[0]:R}");
    }

    [Fact]
    public void PeriodicForcesAndVirialAreDerivativesOfTheEnergy()
    {
        using var scope = NewDisposeScope();
        var potential = NewAllegro(ScalarType.Float64, seed: 11);
        var c = PeriodicTests.Frame(5);
        var g = Graph.FromConfiguration(c, Config.RMax, ScalarType.Float64);
        var output = g.Evaluate(potential);
        var forces = output.Forces.detach();
        var virial = output.Virial.detach()[0];
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

        // virial = −∂E/∂ε for a symmetric strain of positions and cell (the neighbour list is kept).
        for (var a = 0; a < 3; a++)
        {
            for (var b = a; b < 3; b++)
            {
                using var inner = NewDisposeScope();
                double Energy(double delta)
                {
                    var strain = eye(3, dtype: ScalarType.Float64);
                    strain[a, b] += delta / 2;
                    strain[b, a] += delta / 2;
                    return potential.Evaluate(g.Positions.mm(strain), g.EdgeIndex, g.AtomTypes, g.EdgeCellShift,
                        g.Cells.reshape(3, 3).mm(strain)).Energy.item<double>();
                }

                var fd = -(Energy(h) - Energy(-h)) / (2 * h);
                var v = virial[a, b].item<double>();
                Assert.True(Math.Abs(fd - v) < 1e-6, $"virial[{a}, {b}]: autograd {v:R}, finite difference {fd:R}");
            }
        }
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void EnergyIsInvariantAndForcesEquivariant(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var potential = NewAllegro(dtype, seed: 2, config: Config with { RMax = 5.0 });
        var g = ModelTests.Cluster(9, 2, dtype);
        var errors = Assertions.AssertEquivariant(
            args =>
            {
                // AssertEquivariant evaluates under no_grad(); forces need gradient mode.
                using var grad = enable_grad();
                var output = potential.Evaluate(args[0], args[1], args[2]);
                return new[] { output.Energy, output.Forces };
            },
            new Irreps?[] { new Irreps("1x1o"), null, null },
            new Irreps?[] { new Irreps("1x0e"), new Irreps("1x1o") },
            () => new[] { g.Positions.clone(), g.EdgeIndex, g.AtomTypes },
            tolerance: dtype == ScalarType.Float64 ? 1e-10 : 1e-4,
            trials: 2,
            name: "AllegroEnergyForces");
        Assert.Equal(2, errors.Count); // rotations, and rotations with inversion
    }

    [Fact]
    public void SupercellEnergyIsTheUnitCellEnergyTimesItsSize()
    {
        using var scope = NewDisposeScope();
        var potential = NewAllegro(ScalarType.Float64, seed: 13);
        var unit = PeriodicTests.Frame(7);
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
    }

    /// <summary>
    /// A periodic configuration as pair_allegro passes it on one rank: the atoms, then one ghost atom per periodic
    /// image that is a neighbour (at <c>pos[j] + S · cell</c>), edges from atoms to atoms or ghosts, no cell.
    /// Returns the input dictionary and, per ghost, the atom it is an image of.
    /// </summary>
    internal static (Dictionary<string, Tensor> Input, int[] GhostOwner) GhostForm(Configuration c, double rMax,
        ScalarType posDtype)
    {
        var edges = NeighborList.Build(c, rMax);
        var n = c.Count;
        var ghosts = new Dictionary<(long, int, int, int), int>();
        var owners = new List<int>();
        var pos = new List<double>();
        for (var i = 0; i < n; i++)
        {
            for (var k = 0; k < 3; k++)
            {
                pos.Add(c.Positions[i, k]);
            }
        }

        var index = new long[2, edges.Count];
        for (var e = 0; e < edges.Count; e++)
        {
            var (i, j) = (edges.EdgeIndex[0, e], edges.EdgeIndex[1, e]);
            var s = (edges.CellShifts[e, 0], edges.CellShifts[e, 1], edges.CellShifts[e, 2]);
            index[0, e] = i;
            if (s == (0, 0, 0))
            {
                index[1, e] = j;
                continue;
            }

            if (!ghosts.TryGetValue((j, s.Item1, s.Item2, s.Item3), out var ghost))
            {
                ghost = n + owners.Count;
                ghosts[(j, s.Item1, s.Item2, s.Item3)] = ghost;
                owners.Add((int)j);
                for (var k = 0; k < 3; k++)
                {
                    pos.Add(c.Positions[j, k] + s.Item1 * c.Cell![0, k] + s.Item2 * c.Cell[1, k] + s.Item3 * c.Cell[2, k]);
                }
            }

            index[1, e] = ghost;
        }

        var types = c.Species.Select(t => (long)t).Concat(owners.Select(o => (long)c.Species[o])).ToArray();
        var input = new Dictionary<string, Tensor>
        {
            ["pos"] = tensor(pos.ToArray(), dtype: ScalarType.Float64).reshape(-1, 3).to(posDtype),
            ["edge_index"] = tensor(index),
            ["atom_types"] = tensor(types),
            ["compute_custom_output"] = tensor(new[] { false }),
        };
        return (input, owners.ToArray());
    }

    [Fact]
    public void GhostAtomFormOfAPeriodicCellGivesThePeriodicResults()
    {
        using var scope = NewDisposeScope();
        var potential = NewAllegro(ScalarType.Float64, seed: 17);
        var c = PeriodicTests.Frame(9);
        var periodic = Graph.FromConfiguration(c, Config.RMax, ScalarType.Float64).Evaluate(potential);
        var (input, owners) = GhostForm(c, Config.RMax, ScalarType.Float64);
        Assert.True(owners.Length > c.Count, "r_max 4 Å in a 6 Å cell: every atom has several ghost images");
        var output = potential.forward(input);
        var n = c.Count;
        var rows = n + owners.Length;
        Assert.Equal(new long[] { rows, 1 }, output["atomic_energy"].shape);
        Assert.Equal(new long[] { rows, 3 }, output["forces"].shape);
        Assert.Equal(new long[] { 1, 3, 3 }, output["virial"].shape);
        Assert.All(new[] { "atomic_energy", "forces", "virial", "total_energy" },
            k => Assert.Equal(ScalarType.Float64, output[k].dtype));

        // pair_allegro sums the local atoms' energies and folds ghost forces onto their owners (newton on).
        var local = output["atomic_energy"].detach()[..n];
        Assert.True(local.allclose(periodic.AtomicEnergy.detach(), rtol: 0, atol: 1e-12), "per-atom energies");
        var folded = output["forces"].detach()[..n].index_add(0, tensor(owners.Select(o => (long)o).ToArray()),
            output["forces"].detach()[n..], 1);
        Assert.True(folded.allclose(periodic.Forces.detach(), rtol: 0, atol: 1e-11), "folded forces");
        Assert.True(output["virial"].detach().allclose(periodic.Virial.detach(), rtol: 0, atol: 1e-11), "virial");
        // A ghost atom (no edges as centre) has only its species' shift.
        var shifts = new[] { -0.2, 0.1 };
        for (var g = 0; g < owners.Length; g++)
        {
            Assert.Equal(shifts[c.Species[owners[g]]], output["atomic_energy"][n + g, 0].item<double>(), 12);
        }
    }

    [Fact]
    public void EnergyIsSmoothWhenANeighbourCrossesTheCutoff()
    {
        using var scope = NewDisposeScope();
        var potential = NewAllegro(ScalarType.Float64, seed: 4);
        var rMax = Config.RMax;
        double Energy(double d)
        {
            var c = new Configuration(new double[,] { { 0, 0, 0 }, { d, 0.0, 0.0 }, { 0.3, 2.4, 0.0 } }, new[] { 0, 1, 0 });
            using var g = Graph.FromConfiguration(c, rMax, ScalarType.Float64);
            return g.Evaluate(potential).Energy.item<double>();
        }

        var inside = Energy(rMax - 1e-3);
        var outside = Energy(rMax + 1e-3);
        Assert.True(Math.Abs(inside - outside) < 1e-7, $"energy jumps at the cutoff: {inside:R} vs {outside:R}");
        var interaction = new[] { 1.5, 2.5, 3.5 }.Max(d => Math.Abs(Energy(d) - outside));
        Assert.True(interaction > 1e-6, $"the pair should interact well inside the cutoff (largest change {interaction:G3})");
    }
}
