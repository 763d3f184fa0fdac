using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Samples.Potential;
using E3Sharp.Samples.Potential.Deploy;
using E3Sharp.Samples.Potential.Model.Allegro;
using E3Sharp.Samples.Potential.Reference;
using E3Sharp.Samples.Potential.Training;
using E3Sharp.Testing;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Potential;

/// <summary>
/// The Allegro-style model compiled (scripted parts, traced children) and deployed in pair_allegro v0.6.0's format:
/// compiled equals eager, the archive loads in PyTorch 1.13 and, frozen as pair_allegro freezes it, gives eager C#'s
/// numbers on a ghost-atom input; the CLI trains and deploys it; quick training reduces the error.
/// </summary>
[Collection(nameof(DefaultDtypeCollection))]
public class AllegroDeployTests
{
    [Fact]
    public void AllegroModelIsScriptedAndMatchesEagerWithOtherAtomAndEdgeCounts()
    {
        using var scope = NewDisposeScope();
        var potential = AllegroModelTests.NewAllegro(ScalarType.Float64, seed: 3);
        var model = potential.Model;
        var inputs = new List<Tensor[]>();
        foreach (var (atoms, seed) in new[] { (5, 1), (9, 2), (3, 3) })
        {
            using var g = ModelTests.Cluster(atoms, seed, ScalarType.Float64);
            var edgeVec = g.Positions.index_select(0, g.EdgeIndex[1]) - g.Positions.index_select(0, g.EdgeIndex[0]);
            inputs.Add(new[] { edgeVec, g.EdgeIndex.clone(), g.AtomTypes.clone() });
        }

        var previous = get_default_dtype();
        set_default_dtype(ScalarType.Float64);
        try
        {
            var compiled = Assertions.AssertAutoJitable(model, strictShapes: false, exampleInputs: inputs);
            var description = TorchScript.Describe(compiled);
            Assert.Contains("AllegroModel: scripted", description);
            Assert.Contains("AllegroLayer: scripted", description);
            Assert.Contains("TensorProduct: traced", description);
            var args = inputs[1];
            var expected = model.forward(args[0], args[1], args[2]);
            var actual = (Tensor)compiled.invoke("forward", args.Cast<object>().ToArray());
            Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-12));
        }
        finally
        {
            set_default_dtype(previous);
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void ArchiveRunsInPyTorchAsPairAllegroCallsItAndMatchesEager(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var config = AllegroModelTests.Config with { TypeNames = new[] { "Cu", "Ag" } };
        var potential = AllegroModelTests.NewAllegro(dtype, seed: 21, config: config);
        var archive = Deployment.Archive(potential);
        var contents = TorchScriptArchiveReader.Read(archive);
        string Extra(string key) => Encoding.UTF8.GetString(contents.ExtraFiles[key]);
        Assert.Equal(Deployment.NequipVersion, Extra("nequip_version"));
        Assert.Equal("4", Extra("r_max"));
        Assert.Equal("2", Extra("n_species"));
        Assert.Equal("Cu Ag", Extra("type_names"));
        Assert.Equal("0", Extra("allow_tf32"));
        Assert.Equal("allegro", JsonDocument.Parse(Extra("config")).RootElement.GetProperty("Kind").GetString());
        using (var loaded = TorchScriptArchive.Load(archive))
        {
            Assert.NotNull(loaded);
        }

        // pair_allegro's input for a periodic cell on one rank: float32 positions of the atoms and their ghost images.
        var frame = LammpsCheck.OnGrid(PeriodicTests.Frame(seed: 4));
        var (input, owners) = AllegroModelTests.GhostForm(frame, config.RMax, ScalarType.Float32);
        var eager = potential.forward(input);
        var python = RunInPyTorch(archive, input);
        var tol = dtype == ScalarType.Float64 ? 1e-10 : 2e-5;
        foreach (var key in new[] { "atomic_energy", "forces", "virial", "total_energy" })
        {
            var expected = eager[key].detach();
            var actual = tensor(python[key], dtype: ScalarType.Float64).reshape(expected.shape);
            DeployTests.AssertAllClose(expected, actual, tol, $"{dtype} {key}");
        }

        Assert.True(owners.Length > 0);
    }

    /// <summary>
    /// Loads the archive in PyTorch 1.13 (/usr/bin/python3) as pair_allegro does (<c>torch.jit.load</c> with the
    /// metadata, eval, <c>torch.jit.freeze</c>), calls <c>forward</c> with the dictionary and returns its float64
    /// outputs, flattened.
    /// </summary>
    private static Dictionary<string, double[]> RunInPyTorch(byte[] archive, Dictionary<string, Tensor> input)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"e3sharp-allegro-py-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            File.WriteAllBytes(Path.Combine(dir, "model.pth"), archive);
            var pos = input["pos"].to(ScalarType.Float64).reshape(-1).data<double>().ToArray();
            var json = JsonSerializer.Serialize(new
            {
                pos,
                pos_dtype = input["pos"].dtype == ScalarType.Float32 ? "float32" : "float64",
                edge_index = input["edge_index"].reshape(-1).data<long>().ToArray(),
                atom_types = input["atom_types"].data<long>().ToArray(),
            });
            File.WriteAllText(Path.Combine(dir, "input.json"), json);
            File.WriteAllText(Path.Combine(dir, "run.py"), """
                import json, sys, torch
                d = sys.argv[1]
                extra = {"nequip_version": "", "r_max": "", "n_species": "", "type_names": "", "allow_tf32": ""}
                model = torch.jit.load(d + "/model.pth", _extra_files=extra)
                assert extra["nequip_version"], "nequip_version must be non-empty for pair_allegro"
                model.eval()
                model = torch.jit.freeze(model)
                x = json.load(open(d + "/input.json"))
                dtype = torch.float32 if x["pos_dtype"] == "float32" else torch.float64
                data = {
                    "pos": torch.tensor(x["pos"], dtype=torch.float64).reshape(-1, 3).to(dtype),
                    "edge_index": torch.tensor(x["edge_index"], dtype=torch.int64).reshape(2, -1),
                    "atom_types": torch.tensor(x["atom_types"], dtype=torch.int64),
                    "compute_custom_output": torch.tensor([False]),
                }
                out = model(data)
                for k in ("atomic_energy", "forces", "virial", "total_energy"):
                    assert out[k].dtype == torch.float64, k
                json.dump({k: out[k].detach().reshape(-1).tolist() for k in out}, open(d + "/output.json", "w"))
                """);
            var psi = new ProcessStartInfo("/usr/bin/python3", $"\"{Path.Combine(dir, "run.py")}\" \"{dir}\"")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var p = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"PyTorch 1.13 (Debian python3-torch) failed on the archive:\n{stderr.Result}");
            using var output = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "output.json")));
            return output.RootElement.EnumerateObject().ToDictionary(e => e.Name,
                e => e.Value.EnumerateArray().Select(v => v.GetDouble()).ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void QuickTrainingReducesTheValidationForceError()
    {
        using var scope = NewDisposeScope();
        var data = Dataset.Generate(ReferencePotential.Default, trainTrajectories: 3, heldOutTrajectories: 1,
            framesPerTrajectory: 12, seed: 11);
        manual_seed(5);
        var config = new AllegroConfig { RMax = 5.0, Layers = 1, AvgNumNeighbors = Dataset.AverageNeighbors(data.Train, 5.0) };
        var potential = new AllegroEnergyForces(new AllegroModel(config));
        var trainer = new Trainer(potential, new TrainOptions
        {
            Epochs = 5, BatchSize = 2, LearningRate = 1e-2, FinalLearningRate = 3e-3,
        });
        trainer.SetStatistics(data.Train);
        var before = Trainer.Evaluate(potential, data.Validation).ForceRmse;
        trainer.Fit(data.Train, data.Validation);
        var after = Trainer.Evaluate(potential, data.Validation).ForceRmse;
        var std = Dataset.ForceStd(data.Validation);
        Assert.True(after < 0.5 * before && after < 0.5 * std,
            $"quick training should cut the validation force RMSE ({before:F4} -> {after:F4}, force std {std:F4})");
        Assert.False(potential.training);
    }

    [Fact]
    public void CliTrainsAndDeploysTheAllegroModel()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"e3sharp-allegro-cli-{Guid.NewGuid():N}");
        try
        {
            Assert.Equal(0, Cli.Run(new[] { "train", "--model", "allegro", "--quick", "--epochs", "1",
                "--train-frames", "4", "--out", dir }));
            Assert.Equal(Cli.AllegroKind, Cli.KindOf(dir));
            using (var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json"))))
            {
                Assert.Equal("allegro", metrics.RootElement.GetProperty("model").GetString());
            }

            // config.json tells deploy the kind; --float64 converts the float32 weights.
            var file = Path.Combine(dir, "model.pth");
            Assert.Equal(0, Cli.Run(new[] { "deploy", "--from", dir, "--out", file, "--float64" }));
            var contents = TorchScriptArchiveReader.Read(File.ReadAllBytes(file));
            Assert.Equal("float64", Encoding.UTF8.GetString(contents.ExtraFiles["model_dtype"]));
            Assert.Equal("Cu", Encoding.UTF8.GetString(contents.ExtraFiles["type_names"]));
            using var scope = NewDisposeScope();
            var f32 = Cli.LoadTrainedAllegro(dir);
            var f64 = Cli.LoadTrainedAllegro(dir, ScalarType.Float64);
            var frame = PeriodicTests.Frame(seed: 2, species: 1);
            var a = f32.EvaluateConfiguration(frame);
            var b = f64.EvaluateConfiguration(frame);
            Assert.Equal(ScalarType.Float64, b.Forces.dtype);
            DeployTests.AssertAllClose(b.Forces, a.Forces, 1e-4, "float32 vs float64 forces");
            var (e64, e32) = (b.Energy.item<double>(), a.Energy.to(ScalarType.Float64).item<double>());
            Assert.True(Math.Abs(e64 - e32) <= 1e-5 * Math.Abs(e64) + 1e-5, $"energy {e32:R} (float32) vs {e64:R}");

            // A NequIP folder is not an Allegro model.
            var nequip = Path.Combine(dir, "nequip");
            Directory.CreateDirectory(nequip);
            File.WriteAllText(Path.Combine(nequip, "config.json"), JsonSerializer.Serialize(PeriodicTests.Config));
            File.WriteAllBytes(Path.Combine(nequip, "model.bin"), new byte[] { 0 });
            Assert.Equal(Cli.NequipKind, Cli.KindOf(nequip));
            var e = Assert.Throws<InvalidDataException>(() => Cli.LoadTrainedAllegro(nequip));
            Assert.Contains("is not an Allegro model", e.Message);
            var e2 = Assert.Throws<ArgumentException>(() => Cli.Run(new[] { "train", "--model", "mace" }));
            Assert.Contains("--model must be nequip or allegro, got 'mace'", e2.Message);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
