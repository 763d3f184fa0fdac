using System.Text;
using E3Sharp.Jit.Serialization;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// Saves a compiled (or any other TorchScript) module with LibTorch's <c>torch.jit.save</c>, with extra files
    /// like PyTorch's <c>torch.jit.save(m, path, _extra_files=...)</c>: each is stored UTF-8 encoded as
    /// <c>extra/&lt;name&gt;</c>, where <c>torch.jit.load(path, _extra_files=...)</c>, LibTorch's
    /// <c>torch::jit::load(path, device, extra_files)</c> and <see cref="TorchScriptArchiveReader"/> find it
    /// (see <see cref="TorchScriptArchive.WithExtraFiles"/>).
    /// </summary>
    /// <param name="compiled">The module.</param>
    /// <param name="path">The file to write.</param>
    /// <param name="extraFiles">Extra files (name to text), or null for none.</param>
    /// <exception cref="ArgumentException">An extra file name is empty, absolute, has a backslash or a <c>..</c> part.</exception>
    public static void Save(torch.jit.ScriptModule compiled, string path, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllBytes(path, SaveToBytes(compiled, extraFiles));
    }

    /// <summary>
    /// The bytes <see cref="Save(torch.jit.ScriptModule, string, IReadOnlyDictionary{string, string}?)"/> writes:
    /// LibTorch's archive of <paramref name="compiled"/> with the extra files added.
    /// </summary>
    /// <param name="compiled">The module.</param>
    /// <param name="extraFiles">Extra files (name to text), or null for none.</param>
    /// <exception cref="ArgumentException">An extra file name is empty, absolute, has a backslash or a <c>..</c> part.</exception>
    public static byte[] SaveToBytes(torch.jit.ScriptModule compiled, IReadOnlyDictionary<string, string>? extraFiles = null)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        var saved = TorchScriptArchive.SaveToBytes(compiled);
        if (extraFiles is null || extraFiles.Count == 0)
        {
            return saved;
        }

        var bytes = extraFiles.ToDictionary(
            kv => kv.Key,
            kv => Encoding.UTF8.GetBytes(kv.Value ?? throw new ArgumentException($"The extra file '{kv.Key}' has no content (null).", nameof(extraFiles))),
            StringComparer.Ordinal);
        return TorchScriptArchive.WithExtraFiles(saved, bytes);
    }
}
