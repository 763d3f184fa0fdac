using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Tests;

/// <summary>Constructs outside the scripting subset are build errors with an id, the exact location and a message.</summary>
public class DiagnosticTests
{
    public static IEnumerable<object[]> Cases => DiagnosticCases.All.Select(c => new object[] { c.Name });

    [Theory]
    [MemberData(nameof(Cases))]
    public void UnsupportedConstructIsReportedAtItsLine(string name)
    {
        var c = DiagnosticCases.All.Single(x => x.Name == name);
        var source = GeneratorHarness.Module(c.Body, c.Members);
        var files = c.Source is null
            ? new[] { ("Module.cs", source) }
            : new[] { ("Module.cs", source), ("Other.cs", "using TorchSharp;\nusing static TorchSharp.torch;\nnamespace Snippets;\n" + c.Source) };
        var compilation = GeneratorHarness.Compile(files);
        var userErrors = compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.True(userErrors.Count == 0, "the snippet must compile as C#: " + string.Join("\n", userErrors));

        var result = GeneratorHarness.Run(compilation);

        var line = GeneratorHarness.LineOf(source, c.Marker);
        var d = result.GeneratorDiagnostics.FirstOrDefault(x => x.Id == c.Id && x.Location.GetLineSpan().StartLinePosition.Line + 1 == line);
        Assert.True(d is not null,
            $"expected {c.Id} on line {line}; got:\n" + string.Join("\n", result.GeneratorDiagnostics));
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Equal("Module.cs", d.Location.GetLineSpan().Path);
        Assert.Equal(c.Message, d.GetMessage());
        Assert.Empty(result.Generated);
    }
}
