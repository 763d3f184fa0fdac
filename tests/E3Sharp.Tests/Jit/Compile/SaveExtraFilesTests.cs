using System.IO.Compression;
using System.Text;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Compile;

/// <summary>
/// Extra files (<c>extra/&lt;name&gt;</c>, torch.jit.save's <c>_extra_files</c>) on a compiled module: written by
/// <see cref="TorchScript.Save"/>, read back by our archive reader, loaded by LibTorch, and (through the interop
/// sidecar) by PyTorch 1.13's <c>torch.jit.load(..., _extra_files=...)</c>.
/// </summary>
public class SaveExtraFilesTests
{
    private static readonly Dictionary<string, string> Extras = new()
    {
        ["r_max"] = "4.5",
        ["config"] = "{\"name\": \"δ-model\"}\n",
        ["notes/readme.txt"] = "nested name",
    };

    [Fact]
    public void CompiledModuleIsSavedWithExtraFilesThatOurReaderLibTorchAndPyTorchRead()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var mlp = nn.Sequential(("lin", nn.Linear(3, 2)), ("act", nn.Tanh()));
        using var compiled = TorchScript.Trace(mlp, randn(4, 3));
        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-extra-{Guid.NewGuid():N}.pt");
        try
        {
            TorchScript.Save(compiled, path, Extras);
            var bytes = File.ReadAllBytes(path);

            var contents = TorchScriptArchiveReader.Read(bytes);
            Assert.Equal(Extras.Keys.Order(StringComparer.Ordinal), contents.ExtraFiles.Keys.Order(StringComparer.Ordinal));
            foreach (var (name, text) in Extras)
            {
                Assert.Equal(text, Encoding.UTF8.GetString(contents.ExtraFiles[name]));
            }

            // LibTorch loads the archive with the extra files and runs it like the compiled module.
            var x = randn(5, 3);
            using var loaded = TorchScriptArchive.Load(path);
            Assert.True(allclose(compiled.call(x), (Tensor)loaded.call(x), rtol: 1e-6, atol: 1e-7));

            // Every record stays stored and 64-byte aligned (what LibTorch's reader needs for mmap-able data).
            using (var zip = new ZipArchive(new MemoryStream(bytes)))
            {
                Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/extra/notes/readme.txt", StringComparison.Ordinal));
                Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
            }

            Interop.Record("compile_saved_with_extra_files", bytes, "forward", [x], [compiled.call(x)], extraFiles: Extras);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AddingExtraFilesIsDeterministicReplacesSameNamesAndKeepsTheOtherRecords()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var compiled = TorchScript.Trace(nn.Linear(2, 2), randn(1, 2));
        var saved = TorchScript.SaveToBytes(compiled);
        var first = TorchScriptArchive.WithExtraFiles(saved, new Dictionary<string, byte[]> { ["b"] = [1, 2], ["a"] = [3] });
        Assert.Equal(first, TorchScriptArchive.WithExtraFiles(saved, new Dictionary<string, byte[]> { ["a"] = [3], ["b"] = [1, 2] }));

        var replaced = TorchScriptArchive.WithExtraFiles(first, new Dictionary<string, byte[]> { ["a"] = [9, 9] });
        var contents = TorchScriptArchiveReader.Read(replaced);
        Assert.Equal(new byte[] { 9, 9 }, contents.ExtraFiles["a"]);
        Assert.Equal(new byte[] { 1, 2 }, contents.ExtraFiles["b"]);
        Assert.Equal(2, contents.ExtraFiles.Count);

        // Apart from the extra files, the records (names and bytes) are those LibTorch saved, in its order.
        static List<(string, string)> Records(byte[] archive, bool skipExtra)
        {
            using var zip = new ZipArchive(new MemoryStream(archive));
            return zip.Entries.Where(e => !skipExtra || !e.FullName.Contains("/extra/", StringComparison.Ordinal)).Select(e =>
            {
                using var s = e.Open();
                using var ms = new MemoryStream();
                s.CopyTo(ms);
                return (e.FullName, Convert.ToHexString(ms.ToArray()));
            }).ToList();
        }

        Assert.Equal(Records(saved, false), Records(replaced, true));
        // No extra files: exactly LibTorch's bytes.
        Assert.Empty(TorchScriptArchiveReader.Read(TorchScript.SaveToBytes(compiled, new Dictionary<string, string>())).ExtraFiles);
    }

    [Fact]
    public void BadExtraFileNamesAndNonArchivesAreRejectedWithClearMessages()
    {
        using var scope = NewDisposeScope();
        using var compiled = TorchScript.Trace(nn.Linear(2, 2), randn(1, 2));
        foreach (var bad in new[] { "", "/abs", "a\\b", "../up", "a/../b" })
        {
            var e = Assert.Throws<ArgumentException>(() =>
                TorchScript.SaveToBytes(compiled, new Dictionary<string, string> { [bad] = "x" }));
            Assert.StartsWith($"Invalid extra file name '{bad}'.", e.Message);
        }

        Assert.ThrowsAny<InvalidDataException>(() =>
            TorchScriptArchive.WithExtraFiles([1, 2, 3], new Dictionary<string, byte[]> { ["a"] = [] }));
        var zipWriter = new ZipWriter();
        zipWriter.Add("root/other.txt", "x"u8);
        var e2 = Assert.Throws<InvalidDataException>(() =>
            TorchScriptArchive.WithExtraFiles(zipWriter.Finish(), new Dictionary<string, byte[]> { ["a"] = [] }));
        Assert.Equal("Cannot add extra files: the archive has no root/data.pkl; it is not a TorchScript module archive.", e2.Message);
        var flat = new ZipWriter();
        flat.Add("data.pkl", "x"u8);
        var e3 = Assert.Throws<InvalidDataException>(() =>
            TorchScriptArchive.WithExtraFiles(flat.Finish(), new Dictionary<string, byte[]> { ["a"] = [] }));
        Assert.Equal("Cannot add extra files: the bytes are not a TorchScript archive (no root folder).", e3.Message);
    }
}
