using System.Runtime.InteropServices;
using System.Text;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Pickle;
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
public static class TorchScriptArchive
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
    public static byte[] Write(ModuleInstance root, TorchScriptArchiveOptions? options = null)
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
    public static void Save(ModuleInstance root, string path, TorchScriptArchiveOptions? options = null) =>
        File.WriteAllBytes(path, Write(root, options));

    /// <summary>
    /// The TorchScript source files the archive of <paramref name="root"/> contains, by path inside the root folder
    /// (<c>code/__torch__/demo.py</c>), after validation. Tensor constants print as <c>CONSTANTS.cN</c>.
    /// </summary>
    /// <param name="root">The root module.</param>
    /// <param name="ops">The op table.</param>
    public static IReadOnlyDictionary<string, string> PrintCode(ModuleInstance root, OpTable? ops = null)
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
    public static torch.jit.ScriptModule ToScriptModule(ModuleInstance root, TorchScriptArchiveOptions? options = null) =>
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

    /// <summary>Tensor storages of one pickle: one record per distinct storage (shared by tied tensors).</summary>
    private sealed class StorageTable
    {
        private readonly Dictionary<(IntPtr, torch.ScalarType, DeviceType, int), Entry> _byStorage = [];
        private readonly List<Entry> _entries = [];

        public sealed record Entry(string Key, int Memo, torch.ScalarType Dtype, long Numel, byte[] Bytes);

        public int NextMemo { get; set; }

        public (Entry Entry, bool IsNew, long Offset) Get(torch.Tensor t)
        {
            var elem = ElementSize(t.dtype);
            var ptr = StorageNative.THSStorage_data_ptr(t.Handle);
            var nbytes = (long)StorageNative.THSStorage_nbytes(t.Handle);
            var offset = t.storage_offset();
            if (ptr == IntPtr.Zero || nbytes == 0 || t.numel() == 0)
            {
                // Empty or unusual storage: a private, empty record.
                var empty = Add(t.dtype, 0, []);
                return (empty, true, 0);
            }

            var key = (ptr, t.dtype, t.device_type, t.device_index);
            if (_byStorage.TryGetValue(key, out var existing))
            {
                return (existing, false, offset);
            }

            var numel = nbytes / elem;
            byte[] bytes;
            using (var whole = t.detach().as_strided([numel], [1], 0))
            using (var cpu = whole.device_type == DeviceType.CPU ? whole.contiguous() : whole.cpu().contiguous())
            {
                bytes = cpu.bytes.ToArray();
            }

            var e = Add(t.dtype, numel, bytes);
            _byStorage.Add(key, e);
            return (e, true, offset);
        }

        private Entry Add(torch.ScalarType dtype, long numel, byte[] bytes)
        {
            var e = new Entry(_entries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), NextMemo++, dtype, numel, bytes);
            _entries.Add(e);
            return e;
        }

        public IEnumerable<(string Key, byte[] Bytes)> Records() => _entries.Select(e => (e.Key, e.Bytes));
    }

    private static class StorageNative
    {
        [DllImport("LibTorchSharp")]
        internal static extern IntPtr THSStorage_data_ptr(IntPtr tensor);

        [DllImport("LibTorchSharp")]
        internal static extern ulong THSStorage_nbytes(IntPtr tensor);
    }

    internal static int ElementSize(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.Float64 or torch.ScalarType.Int64 => 8,
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Int16 => 2,
        torch.ScalarType.Int8 or torch.ScalarType.Byte or torch.ScalarType.Bool => 1,
        _ => throw new ArgumentException($"Unsupported tensor dtype {dtype}."),
    };

    internal static string StorageClass(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 => "FloatStorage",
        torch.ScalarType.Float64 => "DoubleStorage",
        torch.ScalarType.Float16 => "HalfStorage",
        torch.ScalarType.BFloat16 => "BFloat16Storage",
        torch.ScalarType.Int64 => "LongStorage",
        torch.ScalarType.Int32 => "IntStorage",
        torch.ScalarType.Int16 => "ShortStorage",
        torch.ScalarType.Int8 => "CharStorage",
        torch.ScalarType.Byte => "ByteStorage",
        torch.ScalarType.Bool => "BoolStorage",
        _ => throw new ArgumentException($"Unsupported tensor dtype {dtype}."),
    };

    /// <summary>Pickles module trees and values the way LibTorch's pickler does (typed containers tagged).</summary>
    private sealed class ValuePickler(StorageTable storages)
    {
        private readonly PickleWriter _w = new();

        public byte[] PickleRoot(ModuleInstance root)
        {
            Object(root);
            return _w.Finish();
        }

        public byte[] PickleTensorTuple(IReadOnlyList<torch.Tensor> tensors)
        {
            if (tensors.Count == 0)
            {
                _w.EmptyTuple();
            }
            else
            {
                _w.Mark();
                foreach (var t in tensors)
                {
                    Tensor(t);
                }

                _w.Tuple();
            }

            return _w.Finish();
        }

        private void Object(ModuleInstance m)
        {
            var c = m.Class;
            _w.Global(c.Qualifier, c.Name);
            _w.EmptyTuple();
            _w.NewObj();
            _w.EmptyDict();
            _w.Mark();
            _w.String("training");
            _w.Bool(m.Training);
            foreach (var a in c.Attributes)
            {
                if (a.Kind == AttributeKind.Constant)
                {
                    continue;
                }

                _w.String(a.Name);
                Value(m.GetValue(a.Name), a.Type);
            }

            _w.SetItems();
            _w.Build();
        }

        private void Value(object? v, TsType type)
        {
            switch (type)
            {
                case OptionalType o:
                    if (v is null)
                    {
                        _w.None();
                    }
                    else
                    {
                        Value(v, o.Inner);
                    }

                    return;
                case ListType l:
                {
                    var list = (IReadOnlyList<object?>)v!;
                    _w.Global("torch.jit._pickle", "restore_type_tag");
                    _w.Mark();
                    _w.EmptyList();
                    if (list.Count > 0)
                    {
                        _w.Mark();
                        foreach (var item in list)
                        {
                            Value(item, l.Element);
                        }

                        _w.Appends();
                    }

                    _w.String(l.Name);
                    _w.Tuple();
                    _w.Reduce();
                    return;
                }

                case DictType d:
                {
                    var dict = (OrderedValueDictionary)v!;
                    _w.Global("torch.jit._pickle", "restore_type_tag");
                    _w.Mark();
                    _w.EmptyDict();
                    if (dict.Count > 0)
                    {
                        _w.Mark();
                        foreach (var (k, val) in dict)
                        {
                            Value(k, d.Key);
                            Value(val, d.Value);
                        }

                        _w.SetItems();
                    }

                    _w.String(d.Name);
                    _w.Tuple();
                    _w.Reduce();
                    return;
                }

                case TupleType tt:
                {
                    var tuple = (IrTuple)v!;
                    if (tuple.Items.Count == 0)
                    {
                        _w.EmptyTuple();
                        return;
                    }

                    _w.Mark();
                    for (var i = 0; i < tuple.Items.Count; i++)
                    {
                        Value(tuple.Items[i], tt.Items[i]);
                    }

                    _w.Tuple();
                    return;
                }

                case ModuleType:
                    Object((ModuleInstance)v!);
                    return;
            }

            switch (type.Kind)
            {
                case TsTypeKind.Tensor:
                    Tensor((torch.Tensor)v!);
                    return;
                case TsTypeKind.Int:
                    _w.Int((long)v!);
                    return;
                case TsTypeKind.Float:
                    _w.Float((double)v!);
                    return;
                case TsTypeKind.Bool:
                    _w.Bool((bool)v!);
                    return;
                case TsTypeKind.Str:
                    _w.String((string)v!);
                    return;
                case TsTypeKind.None:
                    _w.None();
                    return;
                default:
                    throw new InvalidOperationException($"Cannot pickle a value of type {type.Name}.");
            }
        }

        private void Tensor(torch.Tensor t)
        {
            var (entry, isNew, offset) = storages.Get(t);
            _w.Global("torch._utils", "_rebuild_tensor_v2");
            _w.Mark();
            if (isNew)
            {
                _w.Mark();
                _w.String("storage");
                _w.Global("torch", StorageClass(entry.Dtype));
                _w.String(entry.Key);
                _w.String("cpu");
                _w.Int(entry.Numel);
                _w.Tuple();
                _w.BinPersId();
                Put(entry.Memo);
            }
            else
            {
                Get(entry.Memo);
            }

            _w.Int(offset);
            IntTuple(t.shape);
            IntTuple(t.stride());
            _w.Bool(t.requires_grad);
            _w.Global("collections", "OrderedDict");
            _w.EmptyTuple();
            _w.Reduce();
            _w.Tuple();
            _w.Reduce();
        }

        private void Put(int memo)
        {
            if (memo < 256)
            {
                _w.Op(PickleOpcodes.BinPut);
                _w.Op((byte)memo);
            }
            else
            {
                _w.Op(PickleOpcodes.LongBinPut);
                foreach (var b in BitConverter.GetBytes(memo))
                {
                    _w.Op(b);
                }
            }
        }

        private void Get(int memo)
        {
            if (memo < 256)
            {
                _w.Op(PickleOpcodes.BinGet);
                _w.Op((byte)memo);
            }
            else
            {
                _w.Op(PickleOpcodes.LongBinGet);
                foreach (var b in BitConverter.GetBytes(memo))
                {
                    _w.Op(b);
                }
            }
        }

        private void IntTuple(long[] values)
        {
            if (values.Length == 0)
            {
                _w.EmptyTuple();
                return;
            }

            _w.Mark();
            foreach (var v in values)
            {
                _w.Int(v);
            }

            _w.Tuple();
        }
    }
}
