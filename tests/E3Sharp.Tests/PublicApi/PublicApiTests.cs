using System.ComponentModel;
using System.Reflection;
using E3Sharp.Jit;
using PublicApiGenerator;

namespace E3Sharp.Tests.PublicApi;

/// <summary>
/// The public API of E3Sharp.dll against the committed E3Sharp.approved.txt, so that every change to what users
/// (and the source generator's output) can see is deliberate and shows in review. On a difference the test writes
/// E3Sharp.received.txt beside the approved file and fails; to accept the new surface, run
/// <c>E3SHARP_APPROVE_API=1 dotnet test tests/E3Sharp.Tests -c Release --filter FullyQualifiedName~PublicApiTests</c>
/// and commit the rewritten approved file.
/// </summary>
public class PublicApiTests
{
    private const string ApproveVariable = "E3SHARP_APPROVE_API";

    [Fact]
    public void PublicApiMatchesTheApprovedFile()
    {
        var received = Generate();
        var folder = Path.Combine(FindRepository(), "tests", "E3Sharp.Tests", "PublicApi");
        var approvedPath = Path.Combine(folder, "E3Sharp.approved.txt");
        var receivedPath = Path.Combine(folder, "E3Sharp.received.txt");
        if (Environment.GetEnvironmentVariable(ApproveVariable) == "1")
        {
            File.WriteAllText(approvedPath, received);
            File.Delete(receivedPath);
            return;
        }

        var approved = File.Exists(approvedPath) ? Normalize(File.ReadAllText(approvedPath)) : "";
        if (approved == received)
        {
            File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, received);
        Assert.Fail(
            $"The public API of E3Sharp.dll differs from {approvedPath} ({FirstDifference(approved, received)}). " +
            $"The new surface is in {receivedPath}. If the change is intended, approve it with\n" +
            $"  {ApproveVariable}=1 dotnet test tests/E3Sharp.Tests -c Release --filter FullyQualifiedName~PublicApiTests\n" +
            "and commit the approved file.");
    }

    [Fact]
    public void PlumbingStaysOutOfThePublicApi()
    {
        // The archive internals users never touch: a public one would show in the approved file, but a reviewer may
        // approve a long diff without reading it; these must not come back.
        var api = Generate();
        foreach (var name in new[] { "class PickleReader", "class PickleWriter", "class ZipWriter", "class ClassDeclaration" })
        {
            Assert.DoesNotContain(name, api);
        }

        // And the surface the test is about is there (the generator produced something real).
        Assert.Contains("public static class TorchScript", api);
        Assert.Contains("namespace E3Sharp.O3", api);
    }

    private static string Generate()
    {
        var assembly = typeof(TorchScript).Assembly;
        // The generator's text omits [EditorBrowsable]; the types public only for generated code are listed first so
        // that the approved file also records which public types users are meant to see.
        var hidden = assembly.GetExportedTypes()
            .Where(t => t.GetCustomAttribute<EditorBrowsableAttribute>()?.State == EditorBrowsableState.Never)
            .Select(t => "// " + t.FullName)
            .Order(StringComparer.Ordinal);
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions { IncludeAssemblyAttributes = false });
        return Normalize("// Public for generated code, hidden from IntelliSense ([EditorBrowsable(Never)]):\n" +
            string.Join("\n", hidden) + "\n\n" + api);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n') + "\n";

    private static string FirstDifference(string approved, string received)
    {
        var a = approved.Split('\n');
        var r = received.Split('\n');
        for (var i = 0; i < System.Math.Max(a.Length, r.Length); i++)
        {
            var left = i < a.Length ? a[i] : "<end>";
            var right = i < r.Length ? r[i] : "<end>";
            if (left != right)
            {
                return $"first at line {i + 1}: approved '{left.Trim()}', received '{right.Trim()}'";
            }
        }

        return "whitespace only";
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
