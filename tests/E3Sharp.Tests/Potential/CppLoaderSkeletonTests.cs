using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Serialization;
using E3Sharp.Samples.Potential.Deploy;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Reference;
using static E3Sharp.Jit.Ir.IrBuilder;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The LAMMPS-style C++ loader on a potential written directly in the IR (an exponential pair repulsion with
/// per-species strengths, forces by <c>torch.autograd.grad</c> inside the TorchScript method), checked against the
/// same potential computed analytically in C#. This exercises load-with-metadata, freeze, the neighbour list from
/// <c>extra/r_max</c> and autograd in a frozen module, independently of the model compiler.
/// </summary>
public class CppLoaderSkeletonTests
{
    private const double RMax = 4.0;

    /// <summary>
    /// <c>E = ½ Σ_edges a[type(centre)] · exp(−r)</c> as IR: forward(pos, edge_index, atom_types) -> (energy [1], forces).
    /// </summary>
    internal static ModuleInstance ToyPotential(Tensor strengths)
    {
        var root = new ModuleInstance("__torch__.potential_test.ToyPair").AddBuffer("strengths", strengths);
        root.Training = false;
        var f = new MethodBuilder("forward", TsType.Tuple(TsType.Tensor, TsType.Tensor))
            .Param("pos", TsType.Tensor).Param("edge_index", TsType.Tensor).Param("atom_types", TsType.Tensor);
        f.Assign("p", Method(Var("pos"), "requires_grad_", Bool(true)));
        f.Assign("centre", Torch("select", Var("edge_index"), Int(0), Int(0)));
        f.Assign("neighbour", Torch("select", Var("edge_index"), Int(0), Int(1)));
        f.Assign("vec", Torch("index_select", Var("p"), Int(0), Var("neighbour")) -
                        Torch("index_select", Var("p"), Int(0), Var("centre")));
        f.Assign("r", Torch("sqrt", Torch("sum", Var("vec") * Var("vec"), List(Int(-1)))));
        f.Assign("a", Torch("index_select", Self("strengths"), Int(0),
            Torch("index_select", Var("atom_types"), Int(0), Var("centre"))));
        f.Assign("energy", Torch("unsqueeze", Torch("sum", Var("a") * Torch("exp", -Var("r"))) * 0.5, Int(0)));
        f.Assign("grads", Torch("autograd.grad", new Expr[] { List(Var("energy")), List(Var("p")) },
            Kw("create_graph", Self("training")), Kw("allow_unused", Bool(true))));
        f.Assign("g", Cast(TsType.Tensor, Index(Var("grads"), Int(0))));
        f.ReturnTuple(Var("energy"), -Var("g"));
        root.AddMethod(f.Build());
        return root;
    }

    private static (double Energy, double[,] Forces) ToyReference(Configuration c, double[] strengths)
    {
        var n = c.Count;
        var forces = new double[n, 3];
        var energy = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                if (i == j)
                {
                    continue;
                }

                var d = new double[3];
                for (var k = 0; k < 3; k++)
                {
                    d[k] = c.Positions[j, k] - c.Positions[i, k];
                }

                var r = Math.Sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
                if (r >= RMax)
                {
                    continue;
                }

                var e = 0.5 * strengths[c.Species[i]] * Math.Exp(-r);
                energy += e;
                for (var k = 0; k < 3; k++)
                {
                    // dE/dpos_j = -e d/r, dE/dpos_i = +e d/r.
                    forces[j, k] += e * d[k] / r;
                    forces[i, k] -= e * d[k] / r;
                }
            }
        }

        return (energy, forces);
    }

    [Fact]
    public void LoaderMatchesTorchSharpAndAnalyticReference()
    {
        Assert.True(CppLoader.LibTorchAvailable,
            "Debian's libtorch-dev is not installed (bash build/setup.sh installs it); the C++ loader cannot be built.");
        using var scope = NewDisposeScope();
        var strengths = new[] { 1.5, 0.75 };
        var root = ToyPotential(tensor(strengths, dtype: ScalarType.Float64));
        var config = new ModelConfig { RMax = RMax, TypeNames = new[] { "A", "B" } };
        var archive = TorchScriptArchive.Write(root, new TorchScriptArchiveOptions
        {
            ExtraFiles = Deployment.Metadata(config, ScalarType.Float64),
            Ops = Deployment.Ops,
        });
        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-toy-{Guid.NewGuid():N}.pt");
        File.WriteAllBytes(path, archive);
        try
        {
            var c = DataGenerator.RandomCluster(9, 2, 2.0, new Random(3));
            var (eRef, fRef) = ToyReference(c, strengths);

            // TorchSharp (LibTorch 2.10) on the same archive.
            using var module = TorchScriptArchive.Load(archive);
            module.eval();
            var edges = NeighborList.Build(c.Positions, RMax);
            var pos = tensor(c.Positions, dtype: ScalarType.Float64);
            var ei = tensor(edges);
            var types = tensor(c.Species.Select(s => (long)s).ToArray());
            var (eo, fo) = ((Tensor, Tensor))module.forward(pos, ei, types);
            Assert.Equal(eRef, eo.item<double>(), 1e-12);
            AssertClose(fRef, fo, 1e-12);
            Interop.Record("potential_toy_pair_f64", archive, "forward", new[] { pos, ei, types }, new[] { eo, fo });

            // The C++ loader (LibTorch 1.13): load with metadata, freeze, neighbour list from extra/r_max.
            var loader = CppLoader.Build();
            var result = CppLoader.Run(loader, path, c, tuple: true);
            Assert.Equal(eRef, result.Energy, 1e-12);
            AssertClose(fRef, tensor(result.Forces), 1e-12);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MetadataAddedToASavedModuleIsReadByTheLoader()
    {
        Assert.True(CppLoader.LibTorchAvailable,
            "Debian's libtorch-dev is not installed (bash build/setup.sh installs it); the C++ loader cannot be built.");
        using var scope = NewDisposeScope();
        var strengths = new[] { 0.5, 2.0 };
        // Written without metadata, loaded and saved again by TorchSharp (LibTorch 2.10's writer), then given metadata.
        using var module = TorchScriptArchive.Load(TorchScriptArchive.Write(ToyPotential(tensor(strengths, dtype: ScalarType.Float64)),
            new TorchScriptArchiveOptions { Ops = Deployment.Ops }));
        var saved = TorchScriptArchive.SaveToBytes(module);
        var config = new ModelConfig { RMax = RMax, TypeNames = new[] { "Ar", "Kr" } };
        var archive = ArchiveMetadata.WithExtraFiles(saved, Deployment.Metadata(config, ScalarType.Float64));
        var contents = TorchScriptArchiveReader.Read(archive);
        Assert.Equal("4", System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["r_max"]));
        Assert.Equal("Ar Kr", System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["type_names"]));
        Assert.Equal("float64", System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["model_dtype"]));

        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-toy-meta-{Guid.NewGuid():N}.pt");
        File.WriteAllBytes(path, archive);
        try
        {
            var c = DataGenerator.RandomCluster(6, 2, 2.0, new Random(8));
            var (eRef, fRef) = ToyReference(c, strengths);
            var result = CppLoader.Run(CppLoader.Build(), path, c, tuple: true);
            Assert.Equal(eRef, result.Energy, 1e-12);
            AssertClose(fRef, tensor(result.Forces), 1e-12);
        }
        finally
        {
            File.Delete(path);
        }

        var e = Assert.Throws<ArgumentException>(() => ArchiveMetadata.WithExtraFiles(saved,
            new Dictionary<string, byte[]> { ["a/b"] = Array.Empty<byte>() }));
        Assert.Contains("extra file name 'a/b' must be non-empty and must not contain folders", e.Message);
    }

    internal static void AssertClose(double[,] expected, Tensor actual, double tol)
    {
        var a = actual.to(ScalarType.Float64).contiguous();
        Assert.Equal(new long[] { expected.GetLength(0), expected.GetLength(1) }, a.shape);
        for (var i = 0; i < expected.GetLength(0); i++)
        {
            for (var k = 0; k < expected.GetLength(1); k++)
            {
                var v = a[i, k].item<double>();
                Assert.True(Math.Abs(expected[i, k] - v) <= tol,
                    $"element [{i}, {k}]: expected {expected[i, k]:R}, got {v:R} (tolerance {tol})");
            }
        }
    }
}
