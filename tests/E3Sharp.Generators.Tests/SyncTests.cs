using System.Reflection;
using E3Sharp.Generators.Scripting;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Tests;

/// <summary>The generator's view of the op table and of valid names agrees with the runtime IR's.</summary>
public class SyncTests
{
    [Fact]
    public void GeneratorOpCatalogMatchesTheRuntimeOpTable()
    {
        Assert.Equal(OpTable.Default.Names.Order(StringComparer.Ordinal), OpCatalog.Names.Order(StringComparer.Ordinal));
        foreach (var name in OpTable.Default.Names)
        {
            var runtime = OpTable.Default.Overloads(name);
            var generator = OpCatalog.Overloads(name);
            Assert.Equal(runtime.Count, generator.Count);
            for (var i = 0; i < runtime.Count; i++)
            {
                Assert.Equal(runtime[i].Parameters.Select(p => p.Name), generator[i].Parameters.Select(p => p.Name));
                Assert.Equal(runtime[i].Parameters.Select(p => p.HasDefault), generator[i].Parameters.Select(p => p.HasDefault));
                Assert.Equal(runtime[i].Parameters.Select(p => p.KeywordOnly), generator[i].Parameters.Select(p => p.KeywordOnly));
                Assert.Equal((runtime[i].Variants & OpVariants.Method) != 0, generator[i].IsMethod);
                Assert.Equal((runtime[i].Variants & OpVariants.Function) != 0, generator[i].IsFunction);
            }
        }
    }

    [Fact]
    public void GeneratorReservedNamesAreExactlyTheNamesTheIrRejects()
    {
        var fields = typeof(Names).GetFields(BindingFlags.NonPublic | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(HashSet<string>))
            .SelectMany(f => (HashSet<string>)f.GetValue(null)!)
            .ToHashSet();
        Assert.NotEmpty(fields);
        Assert.Equal(fields.Order(StringComparer.Ordinal), ScriptTranslator.Reserved.Order(StringComparer.Ordinal));
        foreach (var name in ScriptTranslator.Reserved)
        {
            Assert.NotNull(Names.LocalNameProblem(name));
        }
    }
}

/// <summary>docs/scripting-subset.md lists exactly the ops the generator accepts, and every diagnostic id.</summary>
public class DocsTests
{
    private static string Doc([System.Runtime.CompilerServices.CallerFilePath] string testFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(testFile)!, "..", "..", "docs", "scripting-subset.md"));

    [Fact]
    public void OpTableSectionListsEveryOp()
    {
        var doc = Doc();
        var listed = System.Text.RegularExpressions.Regex.Matches(doc, @"^\| `([a-z_0-9]+)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).ToHashSet();
        var expected = OpCatalog.Names.Where(n => n is not "append" && !n.StartsWith("autograd.", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DiagnosticsSectionListsEveryId()
    {
        var doc = Doc();
        foreach (var d in ScriptDiagnostics.All)
        {
            Assert.Contains($"| {d.Id} |", doc);
        }
    }
}
