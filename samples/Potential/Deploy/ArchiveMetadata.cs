using System.IO.Compression;
using E3Sharp.Jit.Serialization;

namespace E3Sharp.Samples.Potential.Deploy;

/// <summary>
/// Adds metadata extra files (<c>&lt;root&gt;/extra/&lt;name&gt;</c>, what <c>torch.jit.save(..., _extra_files=...)</c>
/// writes and <c>torch::jit::load(path, device, extra_files)</c> reads) to an existing TorchScript archive, for
/// example one saved from a compiled module. The archive is rewritten entry by entry with E3Sharp's
/// <see cref="ZipWriter"/> (stored, 64-byte aligned, like LibTorch's own archives).
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

        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        if (zip.Entries.Count == 0 || zip.Entries[0].FullName.IndexOf('/') <= 0)
        {
            throw new InvalidDataException("ArchiveMetadata: the bytes are not a TorchScript archive (no root folder).");
        }

        var root = zip.Entries[0].FullName[..zip.Entries[0].FullName.IndexOf('/')];
        if (!zip.Entries.Any(e => e.FullName == root + "/data.pkl"))
        {
            throw new InvalidDataException(
                $"ArchiveMetadata: the archive has no {root}/data.pkl; it is not a TorchScript module archive.");
        }

        var writer = new ZipWriter();
        var replaced = extraFiles.Keys.Select(k => $"{root}/extra/{k}").ToHashSet(StringComparer.Ordinal);
        foreach (var entry in zip.Entries)
        {
            if (replaced.Contains(entry.FullName))
            {
                continue;
            }

            using var s = entry.Open();
            using var buffer = new MemoryStream();
            s.CopyTo(buffer);
            writer.Add(entry.FullName, buffer.ToArray());
        }

        foreach (var (name, bytes) in extraFiles.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Add($"{root}/extra/{name}", bytes);
        }

        return writer.Finish();
    }
}
