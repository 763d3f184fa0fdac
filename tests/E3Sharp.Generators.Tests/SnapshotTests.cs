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
