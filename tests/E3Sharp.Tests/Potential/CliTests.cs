using System.Text.Json;
using E3Sharp.Samples.Potential;

namespace E3Sharp.Tests.Potential;

/// <summary>The sample's command line: the quick training run writes its outputs, and deploys.</summary>
public class CliTests
{
    [Fact]
    public void QuickTrainWritesWeightsCurveAndMetrics()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"e3sharp-potential-cli-{Guid.NewGuid():N}");
        try
        {
            var code = Cli.Run(new[] { "train", "--quick", "--out", dir });
            Assert.Equal(0, code);
            Assert.True(new FileInfo(Path.Combine(dir, "model.bin")).Length > 1000);
            var png = File.ReadAllBytes(Path.Combine(dir, "learning_curve.png"));
            Assert.Equal(0x89, png[0]);
            using var metrics = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "metrics.json")));
            var root = metrics.RootElement;
            Assert.Equal(3, root.GetProperty("epochs").GetInt32());
            var after = root.GetProperty("test_force_rmse").GetDouble();
            var before = root.GetProperty("test_force_rmse_before_training").GetDouble();
            Assert.True(after < 0.9 * before, $"quick training should cut the test force RMSE ({before:F4} -> {after:F4})");
            Assert.True(root.GetProperty("test_stress_rmse").GetDouble() > 0);

            // The quick model deploys (NequIP 0.6 archive with its metadata).
            var archive = Path.Combine(dir, "model.pth");
            Assert.Equal(0, Cli.Run(new[] { "deploy", "--from", dir, "--out", archive }));
            var contents = E3Sharp.Jit.Serialization.TorchScriptArchiveReader.Read(File.ReadAllBytes(archive));
            Assert.Equal("Cu", System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["type_names"]));
            Assert.Equal("4", System.Text.Encoding.UTF8.GetString(contents.ExtraFiles["r_max"]));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Fact]
    public void UnknownOptionsAndCommandsAreReported()
    {
        var e = Assert.Throws<ArgumentException>(() => Cli.Run(new[] { "train", "--bogus" }));
        Assert.Contains("Unknown option '--bogus'", e.Message);
        var e2 = Assert.Throws<ArgumentException>(() => Cli.Run(new[] { "train", "--epochs" }));
        Assert.Contains("Option --epochs needs a value", e2.Message);
        Assert.Equal(1, Cli.Run(new[] { "fly" }));
    }
}
