using System.Runtime.CompilerServices;

namespace E3Sharp.Generators.Tests;

/// <summary>
/// The generated code of representative modules (the scripted modules of the end-to-end tests in
/// tests/E3Sharp.Tests/Jit/Scripting/Modules, which check its behaviour) against expected files in Snapshots/.
/// Set E3SHARP_UPDATE_SNAPSHOTS=1 to rewrite the expected files after an intended change, then review the diff.
/// </summary>
public class SnapshotTests
{
    public static IEnumerable<object[]> Modules =>
        new[] { "MyModule", "MyModule2", "LoopsModule", "StateModule", "MiscModule" }.Select(m => new object[] { m });

    [Theory]
    [MemberData(nameof(Modules))]
    public void GeneratedCodeMatchesSnapshot(string module)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "ScriptedModules", module + ".cs");
        var result = GeneratorHarness.Run(($"{module}.cs", File.ReadAllText(path)));

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        var generated = Assert.Single(result.Generated);
        Assert.Equal($"E3Sharp.Tests.Jit.Scripting.Modules.{module}.Script.g.cs", generated.HintName);
        AssertSnapshot(module, generated.Source);
    }

    /// <summary>
    /// A representative positive translation of an <c>[Export]</c>ed method taking and returning
    /// <c>Dictionary&lt;string, Tensor&gt;</c> (indexing and a dictionary literal) with <c>torch.autograd.grad</c> in a
    /// helper (the shape of samples/Potential's EnergyForces.PairForward).
    /// </summary>
    [Fact]
    public void ExportDictionaryLiteralAndAutogradGradMatchSnapshot()
    {
        const string source = """
using System.Collections.Generic;
using E3Sharp.Jit;
using E3Sharp.Jit.Scripting;
using TorchSharp;
using static TorchSharp.torch;

namespace Snippets;

[CompileMode(JitMode.Script)]
public partial class PairEnergy : nn.Module<Tensor, Tensor>
{
    private readonly Tensor strength = torch.ones(1);

    public PairEnergy() : base("PairEnergy") => RegisterComponents();

    public override Tensor forward(Tensor pos) => EnergyForces(pos)[1];

    private Tensor[] EnergyForces(Tensor pos)
    {
        pos.requires_grad_(true);
        var energy = (strength * pos.pow(2)).sum(new long[] { 0 }).sum();
        var grads = autograd.grad(new[] { energy }, new[] { pos }, retain_graph: training, create_graph: training, allow_unused: true);
        return new[] { energy, -grads[0] };
    }

    [Export(Name = "pair_forward")]
    public Dictionary<string, Tensor> PairForward(Dictionary<string, Tensor> data)
    {
        var result = EnergyForces(data["pos"]);
        return new Dictionary<string, Tensor>
        {
            ["total_energy"] = result[0],
            ["forces"] = result[1],
        };
    }
}
""";
        var result = GeneratorHarness.Run(("PairEnergy.cs", source));

        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.OutputErrors);
        var generated = Assert.Single(result.Generated);
        Assert.Equal("Snippets.PairEnergy.Script.g.cs", generated.HintName);
        AssertSnapshot("ExportDictGrad", generated.Source);
    }

    private static void AssertSnapshot(string name, string actual, [CallerFilePath] string testFile = "")
    {
        var expectedPath = Path.Combine(Path.GetDirectoryName(testFile)!, "Snapshots", name + ".g.cs.txt");
        if (Environment.GetEnvironmentVariable("E3SHARP_UPDATE_SNAPSHOTS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(expectedPath)!);
            File.WriteAllText(expectedPath, actual);
            return;
        }

        Assert.True(File.Exists(expectedPath), $"No snapshot {expectedPath}; run with E3SHARP_UPDATE_SNAPSHOTS=1 to create it.");
        Assert.Equal(File.ReadAllText(expectedPath).ReplaceLineEndings("\n"), actual.ReplaceLineEndings("\n"));
    }
}
