using E3Sharp.Build;

namespace E3Sharp.Tests.Packaging;

/// <summary>
/// The libstdc++ fix of TorchSharp's native library (src/E3Sharp/buildTransitive/FixLibTorchSharp.cs, the source of
/// the package's MSBuild task, compiled here too) on the real libLibTorchSharp.so from the NuGet cache.
/// </summary>
public class LibTorchSharpElfFixTests
{
    private static readonly string Original = Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } cache
            ? cache
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", LibTorchSharpElfFix.LibraryName);

    [Fact]
    public void OriginalRequiresTheStrongVersion()
    {
        var (symbolVersion, needFlags) = LibTorchSharpElfFix.State(File.ReadAllBytes(Original));
        Assert.NotNull(symbolVersion);
        Assert.True(symbolVersion > 1, $"versym {symbolVersion}");
        Assert.NotNull(needFlags);
        Assert.Equal(0, needFlags!.Value & LibTorchSharpElfFix.VerFlagWeak);
    }

    [Fact]
    public void PatchClearsTheSymbolVersionAndWeakensTheNeedIdempotently()
    {
        using var dir = new TempDir();
        var lib = Path.Combine(dir.Path, LibTorchSharpElfFix.LibraryName);
        File.Copy(Original, lib);
        Assert.Equal(LibTorchSharpElfFix.PatchResult.Patched, LibTorchSharpElfFix.Patch(lib));
        var patched = File.ReadAllBytes(lib);
        var (symbolVersion, needFlags) = LibTorchSharpElfFix.State(patched);
        Assert.Equal((ushort)1, symbolVersion);
        Assert.NotEqual(0, needFlags!.Value & LibTorchSharpElfFix.VerFlagWeak);

        Assert.Equal(LibTorchSharpElfFix.PatchResult.AlreadyPatched, LibTorchSharpElfFix.Patch(lib));
        Assert.Equal(patched, File.ReadAllBytes(lib));

        // Only the two 16-bit fields change: otherwise the file is byte for byte the original.
        var original = File.ReadAllBytes(Original);
        Assert.Equal(original.Length, patched.Length);
        Assert.InRange(original.Zip(patched).Count(p => p.First != p.Second), 1, 4);
    }

    [Fact]
    public void NeedsFixFollowsTheLibstdcxxVersions()
    {
        using var dir = new TempDir();
        Assert.True(LibTorchSharpElfFix.NeedsFix(FakeLibstdcxx(dir.Path, "GLIBCXX_3.4.29", "GLIBCXX_3.4.30")));
        Assert.False(LibTorchSharpElfFix.NeedsFix(FakeLibstdcxx(dir.Path, "GLIBCXX_3.4.30", "GLIBCXX_3.4.32")));
        Assert.False(LibTorchSharpElfFix.NeedsFix(Path.Combine(dir.Path, "missing.so")));
    }

    [Fact]
    public void NewerLibstdcxxLeavesTheOutputUntouchedOlderPatchesIt()
    {
        using var dir = new TempDir();
        var native = Path.Combine(dir.Path, "bin", "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        var lib = Path.Combine(native, LibTorchSharpElfFix.LibraryName);
        File.Copy(Original, lib);
        var original = File.ReadAllBytes(Original);

        var newer = FakeLibstdcxx(dir.Path, "GLIBCXX_3.4.32", "GLIBCXX_3.4.33");
        Assert.Empty(LibTorchSharpElfFix.FixFolder(Path.Combine(dir.Path, "bin"), newer));
        Assert.Equal(original, File.ReadAllBytes(lib));

        var older = FakeLibstdcxx(dir.Path, "GLIBCXX_3.4.30");
        Assert.Equal(new[] { lib }, LibTorchSharpElfFix.FixFolder(Path.Combine(dir.Path, "bin"), older));
        Assert.Equal((ushort)1, LibTorchSharpElfFix.State(File.ReadAllBytes(lib)).SymbolVersion);
        Assert.Empty(LibTorchSharpElfFix.FixFolder(Path.Combine(dir.Path, "bin"), older));
        // The NuGet cache's copy is never touched.
        Assert.Equal(original, File.ReadAllBytes(Original));
    }

    [Fact]
    public void RefusesWhatIsNotAnElf64File()
    {
        using var dir = new TempDir();
        var path = Path.Combine(dir.Path, LibTorchSharpElfFix.LibraryName);
        File.WriteAllBytes(path, new byte[128]);
        Assert.Throws<InvalidDataException>(() => LibTorchSharpElfFix.Patch(path));
    }

    private static string FakeLibstdcxx(string folder, params string[] versions)
    {
        var path = Path.Combine(folder, "libstdc++.so.6");
        File.WriteAllText(path, "\u007fELF fake\0" + string.Join("\0", versions) + "\0");
        return path;
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("e3sharp-elf-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
