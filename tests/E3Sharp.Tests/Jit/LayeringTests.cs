using System.Text.RegularExpressions;

namespace E3Sharp.Tests.Jit;

/// <summary>
/// The layers of src/E3Sharp/Jit, checked on the sources so that a new reference across a layer fails here rather
/// than in review: Pickle (bytes) and Ir (the program and its TorchScript text) at the bottom, Serialization
/// (archives) above them, Import above Serialization, the front ends (Scripting, Tracing) above Ir; Jit as a whole
/// never uses the math and modules built on it.
/// </summary>
public class LayeringTests
{
    /// <summary>Each layer folder and the namespaces (under E3Sharp) its files must not name.</summary>
    public static TheoryData<string, string[]> Layers => new()
    {
        { "Jit/Pickle", ["Jit.Ir", "Jit.Serialization", "Jit.Import", "Jit.Tracing", "Jit.Scripting"] },
        { "Jit/Ir", ["Jit.Serialization", "Jit.Import", "Jit.Pickle", "Jit.Tracing", "Jit.Scripting"] },
        { "Jit/Serialization", ["Jit.Import", "Jit.Tracing", "Jit.Scripting"] },
        { "Jit/Import", ["Jit.Tracing", "Jit.Scripting"] },
    };

    [Theory]
    [MemberData(nameof(Layers))]
    public void LayerDoesNotReferenceTheLayersAboveIt(string folder, string[] forbidden) =>
        CheckLayer(folder, forbidden);

    [Fact]
    public void JitDoesNotReferenceTheModulesBuiltOnIt()
    {
        // The namespaces the math and module folders declare (E3Sharp.O3, E3Sharp.Nn, ...), found rather than listed
        // so that a new one is covered; the shared root namespace E3Sharp is not one of them.
        var root = Path.Combine(FindRepository(), "src", "E3Sharp");
        var above = new[] { "O3", "Nn", "Math", "Graph" }
            .Where(f => Directory.Exists(Path.Combine(root, f)))
            .SelectMany(f => Directory.GetFiles(Path.Combine(root, f), "*.cs", SearchOption.AllDirectories))
            .Select(f => NamespaceOf(File.ReadAllText(f)))
            .Where(ns => ns.StartsWith("E3Sharp.", StringComparison.Ordinal))
            .Select(ns => ns["E3Sharp.".Length..])
            .Distinct()
            .ToArray();
        Assert.Contains("O3", above);
        Assert.Contains("Nn", above);
        CheckLayer("Jit", above);
    }

    private static void CheckLayer(string folder, string[] forbidden)
    {
        var root = Path.Combine(FindRepository(), "src", "E3Sharp");
        var files = Directory.GetFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        var violations = new List<string>();
        foreach (var file in files)
        {
            var ns = NamespaceOf(File.ReadAllText(file));
            var code = StripCommentsAndStrings(File.ReadAllText(file));
            foreach (var target in forbidden)
            {
                if (References(code, ns, target))
                {
                    violations.Add($"{Path.GetRelativePath(root, file)} uses E3Sharp.{target}");
                }
            }
        }

        Assert.True(violations.Count == 0, string.Join("\n", violations));
    }

    [Fact]
    public void TheCheckSeesEachFormOfReference()
    {
        // A using, a fully qualified name, and a name relative to an enclosing namespace (from E3Sharp.Jit.Ir,
        // "Serialization.X" is E3Sharp.Jit.Serialization.X); comments and strings do not count.
        Assert.True(References("using E3Sharp.Jit.Serialization;", "E3Sharp.Jit.Ir", "Jit.Serialization"));
        Assert.True(References("var p = global::E3Sharp.Jit.Serialization.ZipWriter.X;", "E3Sharp.Jit.Ir", "Jit.Serialization"));
        Assert.True(References("var p = Serialization.ZipWriter.X;", "E3Sharp.Jit.Ir", "Jit.Serialization"));
        Assert.True(References("var p = Jit.Serialization.ZipWriter.X;", "E3Sharp.Jit.Ir", "Jit.Serialization"));
        Assert.True(References("var r = O3.Rotations.RandAngles(1);", "E3Sharp.Jit", "O3"));
        Assert.False(References("var p = Serialization.ZipWriter.X;", "E3Sharp.Other", "Jit.Serialization"));
        Assert.False(References(StripCommentsAndStrings("// E3Sharp.Jit.Serialization\nvar s = \"E3Sharp.O3.Irreps\";"),
            "E3Sharp.Jit.Ir", "Jit.Serialization"));
        Assert.False(References(StripCommentsAndStrings("var n = IrSerialization.X;"), "E3Sharp.Jit.Ir", "Jit.Serialization"));
    }

    /// <summary>Whether <paramref name="code"/>, in namespace <paramref name="ns"/>, names <c>E3Sharp.target</c>.</summary>
    private static bool References(string code, string ns, string target)
    {
        // The spellings that reach E3Sharp.target: in full, or relative to each enclosing namespace of ns.
        var spellings = new List<string> { "E3Sharp." + target };
        var parts = ns.Split('.');
        for (var n = 1; n <= parts.Length; n++)
        {
            var enclosing = string.Join('.', parts[..n]) + ".";
            var full = "E3Sharp." + target;
            if (full.StartsWith(enclosing, StringComparison.Ordinal))
            {
                spellings.Add(full[enclosing.Length..]);
            }
        }

        return spellings.Any(s => Regex.IsMatch(code, @"(?<![\w.])(global::)?" + Regex.Escape(s) + @"\b(?=\s*[.;])"));
    }

    private static string NamespaceOf(string source) =>
        Regex.Match(source, @"^namespace\s+([\w.]+)", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : "";

    private static string StripCommentsAndStrings(string source)
    {
        source = Regex.Replace(source, @"/\*.*?\*/", "", RegexOptions.Singleline);
        source = Regex.Replace(source, @"//[^\n]*", "");
        return Regex.Replace(source, @"@?\$?""(?:[^""\\\n]|\\.)*""", "\"\"");
    }

    private static string FindRepository()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "E3Sharp.slnx")))
            {
                return d.FullName;
            }
        }

        throw new InvalidOperationException($"No E3Sharp.slnx above {AppContext.BaseDirectory}.");
    }
}
