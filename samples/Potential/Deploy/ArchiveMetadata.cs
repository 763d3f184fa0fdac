using E3Sharp.Jit.Serialization;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>
/// Adds metadata extra files (<c>&lt;root&gt;/extra/&lt;name&gt;</c>, what <c>torch.jit.save(..., _extra_files=...)</c>
/// writes and <c>torch::jit::load(path, device, extra_files)</c> reads) to an existing TorchScript archive, for
/// example one saved from a compiled module. NequIP's loaders expect flat names, so this checks that no name has
/// a folder and leaves the rewriting to the library's <see cref="TorchScriptArchive.WithExtraFiles"/> (stored,
/// 64-byte aligned records, like LibTorch's own archives).
/// </summary>
public static class ArchiveMetadata
{
    /// <summary>Returns the archive with the given extra files added (an existing one of the same name is replaced).</summary>
    /// <param name="archive">The TorchScript archive (zip) bytes.</param>
    /// <param name="extraFiles">Name (no folders) to content.</param>
    public static byte[] WithExtraFiles(byte[] archive, IReadOnlyDictionary<string, byte[]> extraFiles)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(extraFiles);
        foreach (var name in extraFiles.Keys)
        {
            if (name.Length == 0 || name.Contains('/') || name.Contains('\\'))
            {
                throw new ArgumentException(
                    $"ArchiveMetadata: extra file name '{name}' must be non-empty and must not contain folders.",
                    nameof(extraFiles));
            }
        }

        return TorchScriptArchive.WithExtraFiles(archive, extraFiles);
    }
}
