using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Tests;

/// <summary>The docs list exactly the ops the generator accepts (scripting-subset.md) and every diagnostic id
/// (scripting-subset.md, tracing.md).</summary>
public class DocsTests
{
    private static string Doc(string name = "scripting-subset.md", [System.Runtime.CompilerServices.CallerFilePath] string testFile = "") =>
        File.ReadAllText(Path.Combine(Path.GetDirectoryName(testFile)!, "..", "..", "docs", name));

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

    [Fact]
    public void TracingDiagnosticsAreListedInTheTracingDoc()
    {
        var doc = Doc("tracing.md");
        Assert.NotEmpty(Descriptors.Tracing);
        foreach (var d in Descriptors.Tracing)
        {
            Assert.Contains($"| {d.Id} |", doc);
        }
    }
}
