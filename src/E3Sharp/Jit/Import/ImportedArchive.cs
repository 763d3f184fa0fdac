using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using E3Sharp.Jit.Pickle.Tree;

namespace E3Sharp.Jit.Import;

/// <summary>
/// The parts of a TorchScript archive (as <c>torch.jit.save</c> writes it): code files, the module object tree
/// (<c>data.pkl</c>), the constants table (<c>constants.pkl</c>), the tensor storage records and the version.
/// </summary>
internal sealed partial class ImportedArchive
{
    private ImportedArchive(
        string rootFolder, Dictionary<string, byte[]> entries, PickleNode data, PickleTuple constants, int version)
    {
        RootFolder = rootFolder;
        Entries = entries;
        Data = data;
        Constants = constants;
        Version = version;
    }

    /// <summary>The top folder of the zip entries.</summary>
    public string RootFolder { get; }

    /// <summary>Every entry, by path below the root folder (<c>code/__torch__/a.py</c>, <c>data/0</c>).</summary>
    public Dictionary<string, byte[]> Entries { get; }

    /// <summary>The module object tree.</summary>
    public PickleNode Data { get; }

    /// <summary>The constants tuple.</summary>
    public PickleTuple Constants { get; }

    /// <summary>The file-format version (the <c>.data/version</c> or <c>version</c> record).</summary>
    public int Version { get; }

    /// <summary>The code files (<c>code/…py</c>, without debug files), as text.</summary>
    public IEnumerable<(string Path, string Source)> CodeFiles =>
        Entries.Where(e => e.Key.StartsWith("code/", StringComparison.Ordinal) && e.Key.EndsWith(".py", StringComparison.Ordinal))
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => (e.Key, Encoding.UTF8.GetString(e.Value)));

    /// <summary>Reads an archive.</summary>
    /// <param name="bytes">The zip bytes.</param>
    /// <param name="what">What it is, for messages.</param>
    /// <exception cref="InvalidDataException">It is not a TorchScript archive.</exception>
    public static ImportedArchive Read(byte[] bytes, string what)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        if (zip.Entries.Count == 0)
        {
            throw new InvalidDataException($"{what} is an empty zip file, not a TorchScript archive.");
        }

        var first = zip.Entries[0].FullName;
        var slash = first.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new InvalidDataException($"{what}: the entries are not under one root folder.");
        }

        var root = first[..slash];
        var entries = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var e in zip.Entries)
        {
            if (!e.FullName.StartsWith(root + "/", StringComparison.Ordinal) || e.FullName.EndsWith('/'))
            {
                continue;
            }

            using var s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            entries[e.FullName[(root.Length + 1)..]] = ms.ToArray();
        }

        if (!entries.TryGetValue("data.pkl", out var dataPkl))
        {
            throw new InvalidDataException($"{what} has no data.pkl: it is not a TorchScript module archive.");
        }

        var data = PickleTreeReader.Read(dataPkl, "data.pkl of " + what);
        var constants = entries.TryGetValue("constants.pkl", out var constPkl)
            ? PickleTreeReader.Read(constPkl, "constants.pkl of " + what) as PickleTuple
              ?? throw new InvalidDataException($"constants.pkl of {what} is not a tuple.")
            : new PickleTuple([]);
        var versionBytes = entries.GetValueOrDefault(".data/version") ?? entries.GetValueOrDefault("version")
            ?? throw new InvalidDataException($"{what} has no version record.");
        var version = int.Parse(Encoding.ASCII.GetString(versionBytes).Trim(), CultureInfo.InvariantCulture);
        return new ImportedArchive(root, entries, data, constants, version);
    }

    /// <summary>The storage keys of <c>data/</c> (or <c>constants/</c>) records.</summary>
    /// <param name="folder"><c>data</c> or <c>constants</c>.</param>
    public IEnumerable<string> StorageKeys(string folder) =>
        Entries.Keys.Where(k => k.StartsWith(folder + "/", StringComparison.Ordinal)).Select(k => k[(folder.Length + 1)..]);

    /// <summary>The largest numeric storage key of <c>data/</c> or <c>constants/</c>, or -1.</summary>
    /// <param name="folder"><c>data</c> or <c>constants</c>.</param>
    public long MaxNumericKey(string folder) =>
        StorageKeys(folder).Select(k => long.TryParse(k, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .DefaultIfEmpty(-1).Max();

    /// <summary>Matches <c>CONSTANTS.c&lt;n&gt;</c> in code.</summary>
    [GeneratedRegex(@"\bCONSTANTS\.c(\d+)\b")]
    public static partial Regex ConstantReference();

    /// <summary>Matches the start of a qualified class name in code (<c>__torch__.</c>).</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_.])__torch__\.")]
    public static partial Regex TorchQualifier();
}
