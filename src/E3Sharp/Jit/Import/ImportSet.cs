using System.Globalization;
using System.Text;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Pickle.Tree;
using E3Sharp.Jit.Serialization;
using TorchSharp;

namespace E3Sharp.Jit.Import;

/// <summary>
/// The TorchScript modules (already compiled, for example loaded from a file written by Python e3nn) that one
/// compilation keeps as they are, and the archive writing that embeds them.
/// </summary>
/// <remarks>
/// <para>
/// Importing saves the module with LibTorch (<c>torch.jit.save</c>, which prints its code with current operator
/// semantics) and reads the archive back. Its code files are kept verbatim except for two renamings that keep
/// several archives apart inside one: every class moves under <c>__torch__.E3SharpImport&lt;k&gt;.</c> and
/// <c>CONSTANTS.c&lt;n&gt;</c> is renumbered after the constants of the archive it joins. Its object tree
/// (<c>data.pkl</c>) is kept as a pickle tree and its storages as records, renumbered.
/// </para>
/// <para>
/// In the IR the module is a <em>stub</em> instance of its (renamed) root class that declares the class's method
/// signatures, so that parents call it with checked types and the validator accepts the tree. Writing an archive
/// of a tree containing stubs writes it with <see cref="TorchScriptArchive.Write"/>, then replaces each stub's
/// object in <c>data.pkl</c> by the imported object tree, the stub's printed class file by the imported code files,
/// and appends the imported constants and storages.
/// </para>
/// </remarks>
internal sealed class ImportSet
{
    private readonly List<Imported> _imports = [];
    private readonly Dictionary<ModuleInstance, Imported> _byStub = new(ReferenceEqualityComparer.Instance);

    /// <summary>One imported module.</summary>
    private sealed record Imported(
        string Prefix,
        ImportedArchive Archive,
        string RootClass,
        IReadOnlyDictionary<string, string> Code,
        PickleNode Data,
        IReadOnlyList<PickleNode> Constants,
        ModuleInstance Stub);

    /// <summary>Imports a TorchScript module: returns the stub instance that stands for it in the IR.</summary>
    /// <param name="module">The TorchScript module.</param>
    /// <param name="context">The compilation (unused for now; kept for symmetry with the front ends).</param>
    public ModuleInstance Import(torch.jit.ScriptModule module, CompileContext context)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(context);
        var archive = ImportedArchive.Read(TorchScriptArchive.SaveToBytes(module), "a TorchScript module saved for import");
        if (archive.Data is not PickleCall { ClassName: { } originalRoot } || !originalRoot.StartsWith("__torch__.", StringComparison.Ordinal))
        {
            throw new InvalidDataException("The saved TorchScript module's data.pkl does not hold a module object.");
        }

        var prefix = "E3SharpImport" + _imports.Count.ToString(CultureInfo.InvariantCulture);
        var code = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (path, source) in archive.CodeFiles)
        {
            if (source.Contains("__torch__.torch.classes.", StringComparison.Ordinal))
            {
                throw new NotSupportedException(
                    $"Cannot import the TorchScript module of class {originalRoot}: its code uses custom C++ classes " +
                    "(__torch__.torch.classes), which cannot be embedded in another archive.");
            }

            code[RenamePath(path, prefix)] = ImportedArchive.TorchQualifier().Replace(source, "__torch__." + prefix + ".");
        }

        var memo = new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance);
        var data = archive.Data.Copy(n => RenameGlobals(n, prefix), memo);
        var constMemo = new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance);
        var constants = archive.Constants.Items.Select(c => c.Copy(n => RenameGlobals(n, prefix), constMemo)).ToArray();
        var rootClass = RenameQualified(originalRoot, prefix);
        var stub = MakeStub(rootClass, code, module.training);
        var imported = new Imported(prefix, archive, rootClass, code, data, constants, stub);
        _imports.Add(imported);
        _byStub.Add(stub, imported);
        return stub;
    }

    /// <summary>The class name (last part) of an imported module's TorchScript class, for <c>Describe</c>.</summary>
    /// <param name="stub">The stub returned by <see cref="Import"/>.</param>
    public string ClassName(ModuleInstance stub) => stub.Class.Name;

    /// <summary>The submodules of an imported module, for <c>Describe</c> (each <c>loaded</c>).</summary>
    /// <param name="stub">The stub returned by <see cref="Import"/>.</param>
    public IReadOnlyList<CompileRecord> DescribeChildren(ModuleInstance stub) =>
        _byStub.TryGetValue(stub, out var imp) ? DescribeObject(imp.Data) : [];

    private static List<CompileRecord> DescribeObject(PickleNode node)
    {
        var result = new List<CompileRecord>();
        if (node is PickleCall { State: PickleDict state })
        {
            foreach (var (k, v) in state.Items)
            {
                if (k is PickleScalar { Value: string name } && v is PickleCall { ClassName: { } cls, State: PickleDict childState } &&
                    cls.StartsWith("__torch__.", StringComparison.Ordinal) && childState.Get("training") is not null)
                {
                    result.Add(new CompileRecord(name, cls[(cls.LastIndexOf('.') + 1)..], "loaded", DescribeObject(v)));
                }
            }
        }

        return result;
    }

    /// <summary>
    /// Writes the archive of an IR tree, embedding the imported modules it contains (see the class remarks).
    /// </summary>
    /// <param name="root">The root instance (it may itself contain stubs, not be one).</param>
    public byte[] WriteArchive(ModuleInstance root)
    {
        ArgumentNullException.ThrowIfNull(root);
        var used = new List<Imported>();
        CollectStubs(root, used, new HashSet<ModuleInstance>(ReferenceEqualityComparer.Instance));
        var bytes = TorchScriptArchive.Write(root);
        return used.Count == 0 ? bytes : Compose(bytes, used);
    }

    private void CollectStubs(ModuleInstance instance, List<Imported> used, HashSet<ModuleInstance> seen)
    {
        if (!seen.Add(instance))
        {
            return;
        }

        if (_byStub.TryGetValue(instance, out var imp))
        {
            used.Add(imp);
            return;
        }

        foreach (var value in instance.Values.Values)
        {
            if (value is ModuleInstance child)
            {
                CollectStubs(child, used, seen);
            }
        }
    }

    private static byte[] Compose(byte[] written, List<Imported> used)
    {
        var outer = ImportedArchive.Read(written, "the archive being written");
        var entries = new Dictionary<string, byte[]>(outer.Entries, StringComparer.Ordinal);
        var constants = new List<PickleNode>(outer.Constants.Items);
        var nextData = outer.MaxNumericKey("data") + 1;
        var nextConst = outer.MaxNumericKey("constants") + 1;
        var version = outer.Version;
        var replacements = new Dictionary<string, PickleNode>(StringComparer.Ordinal);
        foreach (var imp in used)
        {
            var dataKeys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in imp.Archive.StorageKeys("data").OrderBy(k => k, StringComparer.Ordinal))
            {
                var k = (nextData++).ToString(CultureInfo.InvariantCulture);
                dataKeys[key] = k;
                entries["data/" + k] = imp.Archive.Entries["data/" + key];
            }

            var constKeys = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var key in imp.Archive.StorageKeys("constants").OrderBy(k => k, StringComparer.Ordinal))
            {
                var k = (nextConst++).ToString(CultureInfo.InvariantCulture);
                constKeys[key] = k;
                entries["constants/" + k] = imp.Archive.Entries["constants/" + key];
            }

            replacements[imp.RootClass] = imp.Data.Copy(
                n => RekeyStorage(n, dataKeys), new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance));
            var offset = constants.Count;
            var constMemo = new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance);
            constants.AddRange(imp.Constants.Select(c => c.Copy(n => RekeyStorage(n, constKeys), constMemo)));
            foreach (var (path, source) in imp.Code)
            {
                var renumbered = ImportedArchive.ConstantReference().Replace(
                    source, m => "CONSTANTS.c" + (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) + offset).ToString(CultureInfo.InvariantCulture));
                entries[path] = Encoding.UTF8.GetBytes(renumbered);
            }

            version = Math.Max(version, imp.Archive.Version);
        }

        var data = outer.Data.Copy(
            n => n is PickleCall { ClassName: { } cls } && replacements.TryGetValue(cls, out var r) ? r : null,
            new Dictionary<PickleNode, PickleNode>(ReferenceEqualityComparer.Instance));
        entries["data.pkl"] = PickleTreeWriter.Write(data);
        entries["constants.pkl"] = PickleTreeWriter.Write(new PickleTuple(constants));
        entries.Remove(".data/version");
        entries["version"] = Encoding.ASCII.GetBytes(version.ToString(CultureInfo.InvariantCulture) + "\n");

        var zip = new ZipWriter();
        foreach (var (name, bytes) in entries.OrderBy(e => EntryOrder(e.Key)).ThenBy(e => e.Key, StringComparer.Ordinal))
        {
            zip.Add(outer.RootFolder + "/" + name, bytes);
        }

        return zip.Finish();
    }

    internal static int EntryOrder(string name) => name switch
    {
        "data.pkl" => 0,
        _ when name.StartsWith("code/", StringComparison.Ordinal) => 1,
        _ when name.StartsWith("data/", StringComparison.Ordinal) => 2,
        "constants.pkl" => 3,
        _ when name.StartsWith("constants/", StringComparison.Ordinal) => 4,
        _ when name.StartsWith("extra/", StringComparison.Ordinal) => 5,
        "version" => 6,
        _ => 7,
    };

    private static ModuleInstance MakeStub(string rootClass, IReadOnlyDictionary<string, string> code, bool training)
    {
        var stub = new ModuleInstance(rootClass) { Training = training };
        var dot = rootClass.LastIndexOf('.');
        var path = "code/" + rootClass[..dot].Replace('.', '/') + ".py";
        if (!code.TryGetValue(path, out var source))
        {
            throw new InvalidDataException($"The imported archive has no code file {path} for its root class {rootClass}.");
        }

        foreach (var sig in TorchScriptSignatures.ReadClass(source, rootClass[(dot + 1)..]))
        {
            if (sig.Parameters is null || sig.ReturnType is null || sig.Name.StartsWith("__", StringComparison.Ordinal))
            {
                continue; // not callable from compiled parents (a type the IR cannot express)
            }

            stub.AddMethod(new MethodDef(sig.Name, sig.Parameters, sig.ReturnType,
                [new RaiseStmt($"stub of the imported class {rootClass}: the archive writer replaces it by the imported code")]));
        }

        return stub;
    }

    private static PickleNode? RenameGlobals(PickleNode node, string prefix)
    {
        switch (node)
        {
            case PickleGlobal g when g.Module == "__torch__" || g.Module.StartsWith("__torch__.", StringComparison.Ordinal):
                return new PickleGlobal(RenameQualifier(g.Module, prefix), g.Name);
            case PickleScalar { Value: string s } when s.Contains("__torch__.", StringComparison.Ordinal):
                // Type tags (restore_type_tag(..., "List[__torch__.X]")) name classes too.
                return new PickleScalar(ImportedArchive.TorchQualifier().Replace(s, "__torch__." + prefix + "."));
            default:
                return null;
        }
    }

    private static PickleNode? RekeyStorage(PickleNode node, Dictionary<string, string> keys)
    {
        if (node is PicklePersistentId { StorageKey: { } key, Id: PickleTuple id } && keys.TryGetValue(key, out var newKey))
        {
            var items = id.Items.ToList();
            items[2] = new PickleScalar(newKey);
            return new PicklePersistentId(new PickleTuple(items));
        }

        return null;
    }

    private static string RenameQualifier(string qualifier, string prefix) =>
        qualifier == "__torch__" ? "__torch__." + prefix : "__torch__." + prefix + qualifier["__torch__".Length..];

    private static string RenameQualified(string qualified, string prefix) => "__torch__." + prefix + qualified["__torch__".Length..];

    private static string RenamePath(string path, string prefix) =>
        path == "code/__torch__.py"
            ? "code/__torch__/" + prefix + ".py"
            : path.StartsWith("code/__torch__/", StringComparison.Ordinal)
                ? "code/__torch__/" + prefix + "/" + path["code/__torch__/".Length..]
                : path;
}
