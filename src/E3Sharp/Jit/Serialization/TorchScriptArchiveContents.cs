namespace E3Sharp.Jit.Serialization;

/// <summary>What <see cref="TorchScriptArchiveReader.Read(byte[])"/> found in an archive.</summary>
internal sealed class TorchScriptArchiveContents
{
    internal TorchScriptArchiveContents(string rootFolder, int version, IReadOnlyDictionary<string, string> code,
        IReadOnlyDictionary<string, byte[]> extraFiles, IReadOnlyDictionary<string, ClassDeclaration> classes,
        PickledModule root, IReadOnlyList<object?> constants)
    {
        RootFolder = rootFolder;
        Version = version;
        Code = code;
        ExtraFiles = extraFiles;
        Classes = classes;
        Root = root;
        Constants = constants;
    }

    /// <summary>The archive's root folder name.</summary>
    public string RootFolder { get; }

    /// <summary>The file-format version (<c>.data/version</c> or <c>version</c>).</summary>
    public int Version { get; }

    /// <summary>The code files by path inside the root folder (<c>code/__torch__/a.py</c>).</summary>
    public IReadOnlyDictionary<string, string> Code { get; }

    /// <summary>The extra files (<c>extra/&lt;name&gt;</c>) by name.</summary>
    public IReadOnlyDictionary<string, byte[]> ExtraFiles { get; }

    /// <summary>The classes declared in the code, by qualified name.</summary>
    public IReadOnlyDictionary<string, ClassDeclaration> Classes { get; }

    /// <summary>The root module object.</summary>
    public PickledModule Root { get; }

    /// <summary>The values of <c>constants.pkl</c> (<c>CONSTANTS.c0</c>, ...).</summary>
    public IReadOnlyList<object?> Constants { get; }
}
