using System.Text;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Samples.Potential;
using E3Sharp.Samples.Potential.Deploy;
using E3Sharp.Samples.Potential.Model;
using E3Sharp.Samples.Potential.Training;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The potential compiled with <c>TorchScript.Compile</c> into NequIP 0.6's archive: <c>forward(Dict[str, Tensor])
/// -> Dict[str, Tensor]</c> with pair_nequip's keys and float64 outputs, and the metadata extra files. Real LAMMPS
/// with pair_nequip is the reference (<c>build/test-lammps.sh</c>); here the archive is checked in LibTorch 2.10.
/// </summary>
[Collection(nameof(DefaultDtypeCollection))]
public class DeployTests
{
    /// <summary>pair_nequip's input dictionary for a graph of one configuration (float32 geometry, as it passes it).</summary>
    internal static Dictionary<string, Tensor> PairInput(Graph g) => new()
    {
        ["pos"] = g.Positions.to(ScalarType.Float32).clone(),
        ["edge_index"] = g.EdgeIndex,
        ["edge_cell_shift"] = g.EdgeCellShift.to(ScalarType.Float32),
        ["cell"] = g.Cells.reshape(3, 3).to(ScalarType.Float32),
        ["atom_types"] = g.AtomTypes,
    };

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void ArchiveForwardTakesPairNequipsDictAndMatchesEager(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(dtype, seed: 7, config: PeriodicTests.Config);
        var archive = Deployment.Archive(potential);
        var contents = TorchScriptArchiveReader.Read(archive);
        string Extra(string key) => Encoding.UTF8.GetString(contents.ExtraFiles[key]);
        Assert.Equal(Deployment.NequipVersion, Extra("nequip_version"));
        Assert.Equal("4", Extra("r_max"));
        Assert.Equal("2", Extra("n_species"));
        Assert.Equal("A B", Extra("type_names"));
        Assert.Equal(dtype == ScalarType.Float64 ? "float64" : "float32", Extra("model_dtype"));
        Assert.Equal("DYNAMIC,3", Extra("_jit_fusion_strategy"));
        var code = string.Concat(contents.Code.Values);
        Assert.Contains("def forward(self", code);
        Assert.Contains("Dict[str, Tensor]) -> Dict[str, Tensor]:", code);

        // LibTorch 2.10 compiles every method when it loads the archive. (TorchSharp cannot pass a Dict argument:
        // the numbers of the archive are compared with eager C# by real LAMMPS, build/test-lammps.sh.)
        using (var loaded = TorchScriptArchive.Load(archive))
        {
            Assert.NotNull(loaded);
        }

        // Eager forward on a periodic frame whose edges wrap (r_max 4 Å in a 6.2 Å triclinic cell): pair_nequip's
        // shapes and dtypes, and the typed entry point gives the same numbers.
        // On the float32-exact grid: pair_nequip's float32 positions are then the same numbers.
        var g = Graph.FromConfiguration(LammpsCheck.OnGrid(PeriodicTests.Frame(seed: 3)), potential.Model.Config.RMax, dtype);
        Assert.True(g.EdgeCellShift.abs().sum().to(ScalarType.Float64).item<double>() > 0, "the frame should have wrapping edges");
        var output = potential.forward(PairInput(g));
        foreach (var key in Deployment.OutputKeys)
        {
            Assert.Equal(ScalarType.Float64, output[key].dtype);
        }

        Assert.Equal(new long[] { 1, 1 }, output["total_energy"].shape);
        Assert.Equal(new long[] { 1, 3, 3 }, output["virial"].shape);
        Assert.Equal(new long[] { g.Positions.shape[0], 1 }, output["atomic_energy"].shape);
        Assert.Equal(new long[] { g.Positions.shape[0], 3 }, output["forces"].shape);
        var tol = dtype == ScalarType.Float64 ? 1e-10 : 1e-5;
        var typed = g.Evaluate(potential);
        AssertAllClose(typed.Energy.reshape(1, 1), output["total_energy"], tol, "typed energy");
        AssertAllClose(typed.Forces, output["forces"], tol, "typed forces");
        AssertAllClose(typed.Virial, output["virial"], tol * 10, "typed virial");
    }

    [Fact]
    public void DeployCommandWritesTheArchiveOfTheTrainedModel()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"e3sharp-deploy-{Guid.NewGuid():N}");
        try
        {
            using var scope = NewDisposeScope();
            Directory.CreateDirectory(dir);
            var config = PeriodicTests.Config with { TypeNames = new[] { "Cu" } };
            var potential = ModelTests.NewPotential(ScalarType.Float32, seed: 9, config: config, shifts: new[] { -3.5 });
            potential.save(Path.Combine(dir, "model.bin"));
            File.WriteAllText(Path.Combine(dir, "config.json"), System.Text.Json.JsonSerializer.Serialize(config));
            var file = Path.Combine(dir, "out", "model.pth");
            Assert.Equal(0, Cli.Run(new[] { "deploy", "--from", dir, "--out", file }));
            var contents = TorchScriptArchiveReader.Read(File.ReadAllBytes(file));
            Assert.Equal("Cu", Encoding.UTF8.GetString(contents.ExtraFiles["type_names"]));
            Assert.Equal(Deployment.Archive(potential).Length, new FileInfo(file).Length);
            var missing = Assert.Throws<FileNotFoundException>(() => Cli.LoadTrained(Path.Combine(dir, "none")));
            Assert.Contains("run `train` first", missing.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EagerForwardNamesAMissingKey()
    {
        using var scope = NewDisposeScope();
        var potential = ModelTests.NewPotential(ScalarType.Float64, seed: 8);
        var g = ModelTests.Cluster(6, 2, ScalarType.Float64);
        var input = PairInput(g);
        input.Remove("edge_cell_shift");
        var ex = Assert.Throws<ArgumentException>(() => potential.forward(input));
        Assert.Contains("the input dictionary has no 'edge_cell_shift' entry", ex.Message);
    }

    internal static void AssertAllClose(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        var diff = (expected.to(ScalarType.Float64) - actual.to(ScalarType.Float64)).abs().max().item<double>();
        var scale = Math.Max(1.0, expected.to(ScalarType.Float64).abs().max().item<double>());
        Assert.True(diff <= tol * scale, $"{what}: max difference {diff:E3} > {tol} x {scale:G4}");
    }
}
