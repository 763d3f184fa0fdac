using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace E3Sharp.Tests.Packaging;

/// <summary>
/// The E3Sharp NuGet package (issue 16): the analyzer, the buildTransitive targets and their task source, the library
/// with ReadyToRun code and XML docs, the symbols that match it, and the metadata set in src/E3Sharp/E3Sharp.csproj.
/// Reads the packages build/test-package.sh wrote (E3SHARP_PACKAGE_DIR, else artifacts/packages), or packs them into a
/// temporary folder when there are none.
/// </summary>
public sealed class PackageContentsTests : IClassFixture<PackageContentsTests.Packages>
{
    private readonly Packages packages;

    public PackageContentsTests(Packages packages) => this.packages = packages;

    [Fact]
    public void HoldsTheLibraryTheGeneratorAndTheBuildTargets()
    {
        using var zip = ZipFile.OpenRead(packages.Nupkg);
        var entries = zip.Entries.Select(e => e.FullName).ToHashSet();
        foreach (var expected in new[]
                 {
                     "lib/net10.0/E3Sharp.dll", "lib/net10.0/E3Sharp.xml", "ref/net10.0/E3Sharp.dll", "ref/net10.0/E3Sharp.xml",
                     "analyzers/dotnet/cs/E3Sharp.Generators.dll",
                     "buildTransitive/E3Sharp.targets", "buildTransitive/FixLibTorchSharp.cs", "README.md",
                 })
        {
            Assert.Contains(expected, entries);
        }

        // The analyzer folder holds the generator alone (Roslyn itself comes with the consumer's compiler).
        Assert.Equal(new[] { "analyzers/dotnet/cs/E3Sharp.Generators.dll" }, entries.Where(e => e.StartsWith("analyzers/", StringComparison.Ordinal)));
        Assert.StartsWith("# E3Sharp", Read(zip, "README.md"), StringComparison.Ordinal);
        Assert.Contains("<member name=\"T:E3Sharp.Jit.TorchScript\">", Read(zip, "lib/net10.0/E3Sharp.xml"), StringComparison.Ordinal);
    }

    [Fact]
    public void TheAnalyzerIsTheGeneratorAssembly()
    {
        using var zip = ZipFile.OpenRead(packages.Nupkg);
        using var pe = new PEReader(new MemoryStream(Bytes(zip, "analyzers/dotnet/cs/E3Sharp.Generators.dll")));
        var md = pe.GetMetadataReader();
        Assert.Equal("E3Sharp.Generators", md.GetString(md.GetAssemblyDefinition().Name));
        var types = md.TypeDefinitions.Select(t => md.GetString(md.GetTypeDefinition(t).Name)).ToHashSet();
        Assert.Contains("ScriptGenerator", types);
        Assert.Contains("TwinGenerator", types);
        Assert.Contains("GeneratorRanMarker", types);
        var roslyn = md.AssemblyReferences.Select(r => md.GetAssemblyReference(r))
            .Single(r => md.GetString(r.Name) == "Microsoft.CodeAnalysis.CSharp");
        Assert.True(roslyn.Version <= new Version(5, 9, 0, 0), $"the generator needs Roslyn {roslyn.Version}");
    }

    [Fact]
    public void TheLibraryCarriesReadyToRunCodeAndItsSymbolsMatch()
    {
        using var zip = ZipFile.OpenRead(packages.Nupkg);
        using var pe = new PEReader(new MemoryStream(Bytes(zip, "lib/net10.0/E3Sharp.dll")));
        Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, "E3Sharp.dll has no ReadyToRun header");
        // A ReadyToRun image for Linux marks its machine as x64 XOR the Linux OS value (0x7B79).
        Assert.Equal((int)Machine.Amd64 ^ 0x7B79, (int)pe.PEHeaders.CoffHeader.Machine);

        var codeView = pe.ReadDebugDirectory().First(d => d.Type == DebugDirectoryEntryType.CodeView);
        var pdbGuid = pe.ReadCodeViewDebugDirectoryData(codeView).Guid;
        using var symbols = ZipFile.OpenRead(packages.Snupkg);
        using var pdb = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(Bytes(symbols, "lib/net10.0/E3Sharp.pdb")));
        var id = pdb.GetMetadataReader().DebugMetadataHeader!.Id;
        Assert.Equal(pdbGuid, new Guid(id.AsSpan(0, 16)));
    }

    [Fact]
    public void TheCompilerSeesAnILReferenceAssembly()
    {
        // A consumer building for a RuntimeIdentifier would be warned (CS8012) about referencing the x64 image.
        using var zip = ZipFile.OpenRead(packages.Nupkg);
        using var pe = new PEReader(new MemoryStream(Bytes(zip, "ref/net10.0/E3Sharp.dll")));
        Assert.Equal(0, pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size);
        Assert.Equal(Machine.I386, pe.PEHeaders.CoffHeader.Machine);
        var md = pe.GetMetadataReader();
        Assert.Contains(md.CustomAttributes, a =>
            md.GetCustomAttribute(a).Constructor.Kind == HandleKind.MemberReference &&
            md.GetString(md.GetTypeReference((TypeReferenceHandle)md.GetMemberReference((MemberReferenceHandle)md.GetCustomAttribute(a).Constructor).Parent).Name) == "ReferenceAssemblyAttribute");
    }

    [Fact]
    public void TheBuildTargetsRunTheFixAfterBuildAndPublish()
    {
        using var zip = ZipFile.OpenRead(packages.Nupkg);
        var targets = XDocument.Parse(Read(zip, "buildTransitive/E3Sharp.targets")).Root!;
        var task = targets.Elements("UsingTask").Single();
        Assert.Equal("RoslynCodeTaskFactory", (string?)task.Attribute("TaskFactory"));
        Assert.Equal("$(MSBuildThisFileDirectory)FixLibTorchSharp.cs", (string?)task.Descendants("Code").Single().Attribute("Source"));
        var after = targets.Elements("Target").Select(t => (string?)t.Attribute("AfterTargets") ?? "").ToList();
        Assert.Contains(after, a => a.Split(';').Contains("Build"));
        Assert.Contains(after, a => a.Split(';').Contains("Publish"));
        Assert.Contains("class E3SharpFixLibTorchSharp : Microsoft.Build.Utilities.Task", Read(zip, "buildTransitive/FixLibTorchSharp.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void MetadataComesFromTheProjectFile()
    {
        using var zip = ZipFile.OpenRead(packages.Nupkg);
        var nuspec = XDocument.Parse(Read(zip, "E3Sharp.nuspec")).Root!;
        XNamespace ns = nuspec.Name.NamespaceName;
        var meta = nuspec.Element(ns + "metadata")!;
        string Field(string name) => (string?)meta.Element(ns + name) ?? "";

        var project = XDocument.Load(Path.Combine(packages.Repository, "src", "E3Sharp", "E3Sharp.csproj")).Root!;
        string Property(string name) => project.Descendants(name).Select(e => e.Value).Single();

        Assert.Equal("E3Sharp", Field("id"));
        Assert.Equal(Property("Version"), Field("version"));
        Assert.Matches(new Regex(@"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$"), Field("version"));
        Assert.Equal(Property("Description"), Field("description"));
        Assert.DoesNotContain("Package Description", Field("description"), StringComparison.Ordinal);
        var license = meta.Element(ns + "license")!;
        Assert.Equal(("expression", "MIT"), ((string?)license.Attribute("type"), license.Value));
        Assert.Equal(Property("RepositoryUrl"), (string?)meta.Element(ns + "repository")!.Attribute("url"));
        Assert.StartsWith("https://", Property("RepositoryUrl"), StringComparison.Ordinal);
        Assert.Equal("README.md", Field("readme"));
        var tags = Field("tags").Split(' ');
        Assert.Contains("e3nn", tags);
        Assert.Contains("torchsharp", tags);
        Assert.Contains("torchscript", tags);

        var dependencies = meta.Descendants(ns + "dependency").ToList();
        var torchSharp = Assert.Single(dependencies);
        Assert.Equal("TorchSharp-cpu", (string?)torchSharp.Attribute("id"));
        Assert.Equal("0.107.0", (string?)torchSharp.Attribute("version"));
    }

    private static byte[] Bytes(ZipArchive zip, string name)
    {
        using var s = (zip.GetEntry(name) ?? throw new InvalidOperationException($"{name} is not in the package")).Open();
        using var m = new MemoryStream();
        s.CopyTo(m);
        return m.ToArray();
    }

    private static string Read(ZipArchive zip, string name) => System.Text.Encoding.UTF8.GetString(Bytes(zip, name)).TrimStart('\uFEFF');

    /// <summary>The .nupkg and .snupkg under test (packed once for the class when none are at hand).</summary>
    public sealed class Packages : IDisposable
    {
        private readonly string? temporary;

        public Packages()
        {
            Repository = FindRepository();
            var folder = Environment.GetEnvironmentVariable("E3SHARP_PACKAGE_DIR") is { Length: > 0 } given
                ? given
                : Path.Combine(Repository, "artifacts", "packages");
            if (!Directory.Exists(folder) || Directory.GetFiles(folder, "E3Sharp.*.nupkg").Length == 0)
            {
                temporary = Directory.CreateTempSubdirectory("e3sharp-pack-").FullName;
                folder = temporary;
                Pack(folder);
            }

            Nupkg = Directory.GetFiles(folder, "E3Sharp.*.nupkg").Single();
            Snupkg = Directory.GetFiles(folder, "E3Sharp.*.snupkg").Single();
        }

        public string Repository { get; }

        public string Nupkg { get; }

        public string Snupkg { get; }

        public void Dispose()
        {
            if (temporary is not null)
            {
                Directory.Delete(temporary, recursive: true);
            }
        }

        private void Pack(string output)
        {
            var info = new System.Diagnostics.ProcessStartInfo("dotnet")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = Repository,
            };
            foreach (var a in new[] { "pack", Path.Combine(Repository, "src", "E3Sharp"), "-c", "Release", "-o", output })
            {
                info.ArgumentList.Add(a);
            }

            using var p = System.Diagnostics.Process.Start(info)!;
            var stderr = p.StandardError.ReadToEndAsync();
            var stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack failed ({p.ExitCode}):\n{stdout}\n{stderr.Result}");
            }
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
}
