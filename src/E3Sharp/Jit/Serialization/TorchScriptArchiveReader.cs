using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;
using E3Sharp.Jit.Pickle;
using TorchSharp;

namespace E3Sharp.Jit.Serialization;

/// <summary>
/// Reads TorchScript archives (written by <c>torch.jit.save</c> in PyTorch or LibTorch, or by
/// <see cref="TorchScriptArchive"/>) without LibTorch's importer: the module object tree with its attribute values
/// and tensors (tensors that shared a storage share one again), the class declarations of the code, constants and
/// extra files. Nothing is compiled, so a malformed archive gives an exception, never a process abort.
/// </summary>
internal static partial class TorchScriptArchiveReader
{
    /// <summary>Reads an archive.</summary>
    /// <param name="archive">The archive bytes.</param>
    /// <exception cref="InvalidDataException">The bytes are not a TorchScript archive this reader understands.</exception>
    public static TorchScriptArchiveContents Read(byte[] archive)
    {
        ArgumentNullException.ThrowIfNull(archive);
        using var zip = new ZipArchive(new MemoryStream(archive), ZipArchiveMode.Read);
        if (zip.Entries.Count == 0)
        {
            throw new InvalidDataException("The archive is empty.");
        }

        var first = zip.Entries[0].FullName;
        var slash = first.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new InvalidDataException($"The archive's first entry '{first}' is not inside a root folder.");
        }

        var root = first[..slash];
        var records = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in zip.Entries)
        {
            if (e.FullName.StartsWith(root + "/", StringComparison.Ordinal))
            {
                records[e.FullName[(root.Length + 1)..]] = e;
            }
        }

        byte[] Record(string name) => records.TryGetValue(name, out var e)
            ? ReadAll(e)
            : throw new InvalidDataException($"The archive has no record '{name}'.");

        if (records.ContainsKey("model.json"))
        {
            throw new InvalidDataException("Legacy (model.json) TorchScript archives are not supported.");
        }

        var versionText = Encoding.ASCII.GetString(records.ContainsKey(".data/version") ? Record(".data/version") : Record("version")).Trim();
        if (!int.TryParse(versionText, System.Globalization.CultureInfo.InvariantCulture, out var version))
        {
            throw new InvalidDataException($"The archive's version record '{versionText}' is not a number.");
        }

        var code = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, entry) in records)
        {
            if (name.StartsWith("code/", StringComparison.Ordinal) && name.EndsWith(".py", StringComparison.Ordinal))
            {
                code[name] = Encoding.UTF8.GetString(ReadAll(entry));
            }
        }

        var classes = new Dictionary<string, ClassDeclaration>(StringComparer.Ordinal);
        foreach (var (path, source) in code)
        {
            var qualifier = path["code/".Length..^".py".Length].Replace('/', '.');
            foreach (var c in ParseClasses(qualifier, source))
            {
                classes[c.QualifiedName] = c;
            }
        }

        var extra = records.Where(kv => kv.Key.StartsWith("extra/", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key["extra/".Length..], kv => ReadAll(kv.Value), StringComparer.Ordinal);

        var constantsValue = Unpickle(Record("constants.pkl"), "constants/", Record, classes);
        var constants = constantsValue is PickleTuple t
            ? t.Items
            : throw new InvalidDataException("constants.pkl does not hold a tuple.");
        var data = Unpickle(Record("data.pkl"), "data/", Record, classes);
        var rootModule = data as PickledModule ?? throw new InvalidDataException("data.pkl does not hold a module object.");
        return new TorchScriptArchiveContents(root, version, code, extra, classes, rootModule, constants);
    }

    private static byte[] ReadAll(ZipArchiveEntry e)
    {
        using var s = e.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        return ms.ToArray();
    }

    private static object? Unpickle(byte[] pickle, string storagePrefix, Func<string, byte[]> record,
        IReadOnlyDictionary<string, ClassDeclaration> classes)
    {
        var storages = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        var reader = new PickleReader(pickle)
        {
            PersistentLoad = pid =>
            {
                if (pid is not PickleTuple { Items.Count: >= 5 } p || p.Items[0] as string != "storage" ||
                    p.Items[1] is not PickleGlobal storageType || p.Items[2] is not string key)
                {
                    throw new InvalidDataException($"Unsupported persistent id in the pickle: {pid}.");
                }

                if (!storages.TryGetValue(key, out var storage))
                {
                    var dtype = StorageDtype(storageType.Name);
                    var bytes = record(storagePrefix + key);
                    var elem = TorchScriptArchive.ElementSize(dtype);
                    storage = torch.empty(bytes.Length / elem, dtype: dtype);
                    if (bytes.Length > 0)
                    {
                        storage.bytes = bytes;
                    }

                    storages[key] = storage;
                }

                return storage;
            },
            Reduce = Reduce,
        };
        return Convert(reader.Load(), classes);
    }

    private static object? Reduce(PickleGlobal callable, IReadOnlyList<object?> args, out bool handled)
    {
        handled = true;
        switch (callable.FullName)
        {
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
            {
                var storage = args[0] as torch.Tensor ?? throw new InvalidDataException("_rebuild_tensor_v2: the storage is missing.");
                var offset = (long)args[1]!;
                var size = ((PickleTuple)args[2]!).Items.Select(x => (long)x!).ToArray();
                var stride = ((PickleTuple)args[3]!).Items.Select(x => (long)x!).ToArray();
                var t = storage.as_strided(size, stride, offset);
                if (args.Count > 4 && args[4] is true)
                {
                    t.requires_grad_(true);
                }

                return t;
            }

            case "torch.jit._pickle.restore_type_tag":
                return args[0];
            case "torch.jit._pickle.build_intlist":
            case "torch.jit._pickle.build_doublelist":
            case "torch.jit._pickle.build_boollist":
            case "torch.jit._pickle.build_tensorlist":
                return args[0];
            case "collections.OrderedDict":
                return new PickleDict();
            default:
                handled = false;
                return null;
        }
    }

    private static torch.ScalarType StorageDtype(string storageClass) => storageClass switch
    {
        "FloatStorage" => torch.ScalarType.Float32,
        "DoubleStorage" => torch.ScalarType.Float64,
        "HalfStorage" => torch.ScalarType.Float16,
        "BFloat16Storage" => torch.ScalarType.BFloat16,
        "LongStorage" => torch.ScalarType.Int64,
        "IntStorage" => torch.ScalarType.Int32,
        "ShortStorage" => torch.ScalarType.Int16,
        "CharStorage" => torch.ScalarType.Int8,
        "ByteStorage" => torch.ScalarType.Byte,
        "BoolStorage" => torch.ScalarType.Bool,
        _ => throw new InvalidDataException($"Unsupported storage type torch.{storageClass}."),
    };

    private static object? Convert(object? v, IReadOnlyDictionary<string, ClassDeclaration> classes)
    {
        switch (v)
        {
            case PickleObject o when o.Class.Module.StartsWith("__torch__", StringComparison.Ordinal):
            {
                var qn = o.Class.FullName;
                var state = new List<KeyValuePair<string, object?>>();
                if (o.State is PickleDict d)
                {
                    foreach (var kv in d.Items)
                    {
                        state.Add(new KeyValuePair<string, object?>((string)kv.Key, Convert(kv.Value, classes)));
                    }
                }
                else if (o.State is not null)
                {
                    throw new InvalidDataException($"Objects of {qn} have a __setstate__ state; only plain modules are supported.");
                }

                return new PickledModule(qn, state, classes.GetValueOrDefault(qn));
            }

            case List<object?> l:
                return l.Select(x => Convert(x, classes)).ToList();
            case PickleTuple t:
                return new PickleTuple(t.Items.Select(x => Convert(x, classes)).ToArray());
            case PickleDict d:
            {
                var r = new PickleDict();
                foreach (var kv in d.Items)
                {
                    r.Set(Convert(kv.Key, classes)!, Convert(kv.Value, classes));
                }

                return r;
            }

            default:
                return v;
        }
    }

    [GeneratedRegex(@"^class\s+(\w+)\s*(?:\((\w*)\))?\s*:")]
    private static partial Regex ClassLine();

    [GeneratedRegex(@"^  (\w+)\s*:\s*Final\[(.+)\]\s*=\s*(.+)$")]
    private static partial Regex ConstantLine();

    [GeneratedRegex(@"^  (\w+)\s*:\s*(.+)$")]
    private static partial Regex AttributeLine();

    [GeneratedRegex(@"^  __annotations__\[""(.*)""\]\s*=\s*(.+)$")]
    private static partial Regex AnnotationLine();

    [GeneratedRegex(@"^  def\s+(\w+)\s*\(")]
    private static partial Regex MethodLine();

    [GeneratedRegex(@"""((?:[^""\\]|\\.)*)""")]
    private static partial Regex QuotedString();

    /// <summary>Reads the class declarations of one code file (class headers and the class-body lines at 2-space indentation).</summary>
    /// <param name="qualifier">The file's qualifier (<c>__torch__.a</c>).</param>
    /// <param name="source">The file's source.</param>
    public static IReadOnlyList<ClassDeclaration> ParseClasses(string qualifier, string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var result = new List<ClassDeclaration>();
        ClassDeclaration? current = null;
        foreach (var raw in source.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (!line.StartsWith(' '))
            {
                var m = ClassLine().Match(line);
                current = m.Success ? new ClassDeclaration(qualifier + "." + m.Groups[1].Value, m.Groups[2].Value) : null;
                if (current is not null)
                {
                    result.Add(current);
                }

                continue;
            }

            if (current is null || line.StartsWith("   ", StringComparison.Ordinal))
            {
                continue;
            }

            Match mm;
            if (line.StartsWith("  __parameters__", StringComparison.Ordinal))
            {
                current.Parameters.AddRange(QuotedString().Matches(line).Select(x => x.Groups[1].Value));
            }
            else if (line.StartsWith("  __buffers__", StringComparison.Ordinal))
            {
                current.Buffers.AddRange(QuotedString().Matches(line).Select(x => x.Groups[1].Value));
            }
            else if ((mm = AnnotationLine().Match(line)).Success)
            {
                current.Attributes.Add(new KeyValuePair<string, string>(mm.Groups[1].Value, mm.Groups[2].Value.Trim()));
            }
            else if ((mm = MethodLine().Match(line)).Success)
            {
                current.Methods.Add(mm.Groups[1].Value);
            }
            else if ((mm = ConstantLine().Match(line)).Success)
            {
                current.Constants.Add((mm.Groups[1].Value, mm.Groups[2].Value.Trim(), mm.Groups[3].Value.Trim()));
            }
            else if ((mm = AttributeLine().Match(line)).Success && !mm.Groups[1].Value.StartsWith("__", StringComparison.Ordinal))
            {
                current.Attributes.Add(new KeyValuePair<string, string>(mm.Groups[1].Value, mm.Groups[2].Value.Trim()));
            }
        }

        return result;
    }
}
