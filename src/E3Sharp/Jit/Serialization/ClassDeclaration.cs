using E3Sharp.Jit.Ir;

namespace E3Sharp.Jit.Serialization;

/// <summary>A class as declared in an archive's code (what <see cref="TorchScriptArchiveReader"/> reads from <c>code/*.py</c>).</summary>
internal sealed class ClassDeclaration
{
    internal ClassDeclaration(string qualifiedName, string baseName)
    {
        QualifiedName = qualifiedName;
        BaseName = baseName;
    }

    /// <summary>The qualified name (<c>__torch__.a.B</c>).</summary>
    public string QualifiedName { get; }

    /// <summary>The base class in the source (<c>Module</c>, <c>NamedTuple</c>, ... or empty).</summary>
    public string BaseName { get; }

    /// <summary>Whether it is a module class.</summary>
    public bool IsModule => BaseName == "Module";

    /// <summary>Names listed in <c>__parameters__</c>.</summary>
    public List<string> Parameters { get; } = [];

    /// <summary>Names listed in <c>__buffers__</c>.</summary>
    public List<string> Buffers { get; } = [];

    /// <summary>Declared attributes in order: name and type as written.</summary>
    public List<KeyValuePair<string, string>> Attributes { get; } = [];

    /// <summary>Class constants: name, type and value as written.</summary>
    public List<(string Name, string Type, string Value)> Constants { get; } = [];

    /// <summary>Method names in order.</summary>
    public List<string> Methods { get; } = [];

    /// <summary>The type of an attribute as written, or null.</summary>
    /// <param name="name">The attribute name.</param>
    public string? AttributeType(string name) => Attributes.Find(kv => kv.Key == name).Value;

    /// <summary>
    /// The type of an attribute as a <see cref="TsType"/> when it is built from Tensor, int, float, bool, str,
    /// NoneType, List, Optional, Tuple and Dict (null for module types and anything else).
    /// </summary>
    /// <param name="name">The attribute name.</param>
    public TsType? AttributeTsType(string name) => AttributeType(name) is { } t ? TsTypeParser.TryParse(t) : null;

    /// <inheritdoc/>
    public override string ToString() => QualifiedName;
}
