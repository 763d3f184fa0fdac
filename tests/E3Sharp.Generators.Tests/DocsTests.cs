using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Tests;

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
        var expected = OpTable.Default.Names.Where(n => n is not "append" && !n.StartsWith("autograd.", StringComparison.Ordinal)).ToHashSet();
        Assert.Equal(expected.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DiagnosticsSectionListsEveryId()
    {
        var doc = Doc();
        foreach (var d in Descriptors.Scripting)
        {
            Assert.Contains($"| {d.Id} |", doc);
        }
    }
}
