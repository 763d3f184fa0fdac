using System.Text;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Serialization;

/// <summary>
/// Writes IR module trees as TorchScript archives (the zip that <c>torch.jit.save</c> writes) and loads archives
/// as TorchSharp <see cref="torch.jit.ScriptModule"/>s. Writing validates first (<see cref="IrValidator"/>):
/// LibTorch aborts the process on archives it cannot compile, so invalid IR must never reach it.
/// </summary>
/// <remarks>
/// Layout, as LibTorch writes it: all entries under one root folder; <c>data.pkl</c> (the module object tree,
/// pickle protocol 2); <c>code/__torch__/&lt;qualifier&gt;.py</c> (one file per class qualifier);
/// <c>data/&lt;n&gt;</c> (tensor storages; tensors sharing a storage in memory share one record);
/// <c>constants.pkl</c> (+ <c>constants/&lt;n&gt;</c>) for <see cref="TensorConstantExpr"/>s; optional
/// <c>extra/&lt;name&gt;</c>; <c>version</c>; <c>byteorder</c>. Every record is STORED and 64-byte aligned, and the
/// bytes depend only on the module (fixed timestamps), so the same module always gives the same file.
/// </remarks>
public static partial class TorchScriptArchive
{
    /// <summary>
    /// The file-format version written to the <c>version</c> record. It is not only a compatibility gate: LibTorch
    /// compiles the code with the operator semantics of that version and inlines "upgraders" for ops whose meaning
    /// changed later (with 3, <c>torch.div</c> of integer tensors truncates; with 4 and above it is true division).
    /// 10 declares current semantics for every op we print (div, full, gelu...) and is the highest version both
    /// LibTorch 2.x (reads 1..10) and PyTorch 1.12/1.13 (reads 1..10) accept.
    /// </summary>
    public const int FileFormatVersion = 10;

    /// <summary>Validates <paramref name="root"/> and writes the archive.</summary>
    /// <param name="root">The root module.</param>
    /// <param name="options">Options (root folder, extra files, op table).</param>
    /// <returns>The archive bytes.</returns>
    /// <exception cref="TorchScriptValidationException">The IR is invalid.</exception>
    internal static byte[] Write(ModuleInstance root, TorchScriptArchiveOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        options ??= new TorchScriptArchiveOptions();
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Writing TorchScript archives needs a little-endian host.");
        }

        if (!Names.IsIdentifier(options.RootFolder))
        {
            throw new ArgumentException($"The archive root folder '{options.RootFolder}' must be an identifier.", nameof(options));
        }

        var classes = IrValidator.Validate(root, options.Ops);
        var rootName = options.RootFolder + "/";
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var constants = new List<torch.Tensor>();
        var constantIndex = new Dictionary<torch.Tensor, int>(ReferenceEqualityComparer.Instance);
        var code = PrintCode(classes, t =>
        {
            if (!constantIndex.TryGetValue(t, out var i))
            {
                i = constants.Count;
                constants.Add(t);
                constantIndex.Add(t, i);
            }

            return i;
        });

        var dataStorages = new StorageTable();
        var data = new ValuePickler(dataStorages).PickleRoot(root);
        var constStorages = new StorageTable();
        var constPickler = new ValuePickler(constStorages);
        var constantsPkl = constPickler.PickleTensorTuple(constants);

        var zip = new ZipWriter();
        zip.Add(rootName + "data.pkl", data);
        foreach (var (path, source) in code)
        {
            zip.Add(rootName + path, Encoding.UTF8.GetBytes(source));
        }

        foreach (var (key, bytes) in dataStorages.Records())
        {
            zip.Add(rootName + "data/" + key, bytes);
        }

        zip.Add(rootName + "constants.pkl", constantsPkl);
        foreach (var (key, bytes) in constStorages.Records())
        {
            zip.Add(rootName + "constants/" + key, bytes);
        }

        if (options.ExtraFiles is not null)
        {
            foreach (var (name, bytes) in options.ExtraFiles.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                CheckExtraFileName(name, nameof(options));
                zip.Add(rootName + "extra/" + name, bytes);
            }
        }

        zip.Add(rootName + "version", Encoding.ASCII.GetBytes(FileFormatVersion + "\n"));
        zip.Add(rootName + "byteorder", Encoding.ASCII.GetBytes("little"));
        return zip.Finish();
    }

    /// <summary>Validates <paramref name="root"/> and writes the archive to a file.</summary>
    /// <param name="root">The root module.</param>
    /// <param name="path">The file path.</param>
    /// <param name="options">Options.</param>
    internal static void Save(ModuleInstance root, string path, TorchScriptArchiveOptions? options = null) =>
        File.WriteAllBytes(path, Write(root, options));

    /// <summary>
    /// The TorchScript source files the archive of <paramref name="root"/> contains, by path inside the root folder
    /// (<c>code/__torch__/demo.py</c>), after validation. Tensor constants print as <c>CONSTANTS.cN</c>.
    /// </summary>
    /// <param name="root">The root module.</param>
    /// <param name="ops">The op table.</param>
    internal static IReadOnlyDictionary<string, string> PrintCode(ModuleInstance root, OpTable? ops = null)
    {
        var classes = IrValidator.Validate(root, ops);
        var constantIndex = new Dictionary<torch.Tensor, int>(ReferenceEqualityComparer.Instance);
        return PrintCode(classes, t =>
        {
            if (!constantIndex.TryGetValue(t, out var i))
            {
                i = constantIndex.Count;
                constantIndex.Add(t, i);
            }

            return i;
        });
    }

    private static SortedDictionary<string, string> PrintCode(IReadOnlyList<ModuleClass> classes, Func<torch.Tensor, int> constantIndex)
    {
        var printer = new TorchScriptPrinter(constantIndex);
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var group in classes.GroupBy(c => c.Qualifier))
        {
            var path = "code/" + group.Key.Replace('.', '/') + ".py";
            files[path] = printer.PrintFile(group);
        }

        return files;
    }

    /// <summary>
    /// Loads an archive with LibTorch (<c>torch.jit.load</c>). Only load archives written by <see cref="Write"/> or
    /// by PyTorch/LibTorch: LibTorch aborts the process on some malformed archives.
    /// </summary>
    /// <param name="archive">The archive bytes.</param>
    /// <param name="device">Where to load the tensors.</param>
    public static torch.jit.ScriptModule Load(byte[] archive, DeviceType device = DeviceType.CPU)
    {
        ArgumentNullException.ThrowIfNull(archive);
        return torch.jit.load(archive, device);
    }

    /// <summary>Loads an archive file with LibTorch (<c>torch.jit.load</c>).</summary>
    /// <param name="path">The file.</param>
    /// <param name="device">Where to load the tensors.</param>
    public static torch.jit.ScriptModule Load(string path, DeviceType device = DeviceType.CPU) => torch.jit.load(path, device);

    /// <summary>Validates, writes and loads <paramref name="root"/>: the IR as a TorchSharp ScriptModule.</summary>
    /// <param name="root">The root module.</param>
    /// <param name="options">Options.</param>
    internal static torch.jit.ScriptModule ToScriptModule(ModuleInstance root, TorchScriptArchiveOptions? options = null) =>
        Load(Write(root, options));

    /// <summary>
    /// Saves a loaded ScriptModule with LibTorch's <c>torch.jit.save</c> to a file (TorchSharp's byte-array
    /// overload of <c>jit.save</c> writes nothing, so always use a path).
    /// </summary>
    /// <param name="module">The module.</param>
    /// <param name="path">The file path.</param>
    public static void Save(torch.jit.ScriptModule module, string path)
    {
        ArgumentNullException.ThrowIfNull(module);
        torch.jit.save(module, path);
    }

    /// <summary>Saves a loaded ScriptModule with LibTorch and returns the bytes (through a temporary file).</summary>
    /// <param name="module">The module.</param>
    public static byte[] SaveToBytes(torch.jit.ScriptModule module)
    {
        var path = Path.Combine(Path.GetTempPath(), $"e3sharp-{Guid.NewGuid():N}.pt");
        try
        {
            Save(module, path);
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// Returns <paramref name="archive"/> with extra files added as <c>&lt;root&gt;/extra/&lt;name&gt;</c> (what
    /// <c>torch.jit.save(..., _extra_files=...)</c> writes and <c>torch.jit.load(..., _extra_files=...)</c> /
    /// <c>torch::jit::load(path, device, extra_files)</c> read); an extra file of the same name is replaced. The other
    /// records are copied in their order and the extra files follow sorted by name, every record stored and 64-byte
    /// aligned (<see cref="ZipWriter"/>), so the same inputs always give the same bytes.
    /// </summary>
    /// <param name="archive">A TorchScript archive (from <see cref="Write"/>, <see cref="SaveToBytes"/>, PyTorch or LibTorch).</param>
    /// <param name="extraFiles">Name (relative, <c>/</c>-separated, no <c>..</c>) to content.</param>
    /// <returns>The new archive bytes.</returns>
    /// <exception cref="ArgumentException">An extra file name is empty, absolute, has a backslash or a <c>..</c> part.</exception>
    /// <exception cref="InvalidDataException">The bytes are not a TorchScript archive.</exception>
    public static byte[] WithExtraFiles(byte[] archive, IReadOnlyDictionary<string, byte[]> extraFiles)
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(extraFiles);
        foreach (var (name, bytes) in extraFiles)
        {
            CheckExtraFileName(name, nameof(extraFiles));
            if (bytes is null)
            {
                throw new ArgumentException($"The extra file '{name}' has no content (null).", nameof(extraFiles));
            }
        }

        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(archive), System.IO.Compression.ZipArchiveMode.Read);
        var first = zip.Entries.Count > 0 ? zip.Entries[0].FullName : "";
        var slash = first.IndexOf('/');
        if (slash <= 0)
        {
            throw new InvalidDataException("Cannot add extra files: the bytes are not a TorchScript archive (no root folder).");
        }

        var root = first[..(slash + 1)];
        if (!zip.Entries.Any(e => e.FullName == root + "data.pkl"))
        {
            throw new InvalidDataException($"Cannot add extra files: the archive has no {root}data.pkl; it is not a TorchScript module archive.");
        }

        var replaced = extraFiles.Keys.Select(k => root + "extra/" + k).ToHashSet(StringComparer.Ordinal);
        var writer = new ZipWriter();
        foreach (var entry in zip.Entries)
        {
            if (replaced.Contains(entry.FullName))
            {
                continue;
            }

            using var stream = entry.Open();
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            writer.Add(entry.FullName, buffer.ToArray());
        }

        foreach (var (name, bytes) in extraFiles.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            writer.Add(root + "extra/" + name, bytes);
        }

        return writer.Finish();
    }

    private static void CheckExtraFileName(string name, string parameter)
    {
        if (string.IsNullOrEmpty(name) || name.StartsWith('/') || name.Contains('\\') || name.Split('/').Contains(".."))
        {
            throw new ArgumentException($"Invalid extra file name '{name}'.", parameter);
        }
    }
}
