namespace E3Sharp.Jit.Ir;

/// <summary>A declared attribute of a <see cref="ModuleClass"/>.</summary>
internal sealed class AttributeDecl
{
    /// <summary>Creates a declaration.</summary>
    /// <param name="name">The attribute name (a valid identifier, not a TorchScript keyword).</param>
    /// <param name="type">Its TorchScript type.</param>
    /// <param name="kind">What it is.</param>
    /// <param name="constantValue">For <see cref="AttributeKind.Constant"/>: the value (long, double, bool, string,
    /// null, or an <see cref="IrTuple"/> of those).</param>
    public AttributeDecl(string name, TsType type, AttributeKind kind, object? constantValue = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(type);
        Name = name;
        Type = type;
        Kind = kind;
        ConstantValue = kind == AttributeKind.Constant ? IrValues.Normalize(constantValue) : null;
    }

    /// <summary>The attribute name.</summary>
    public string Name { get; }

    /// <summary>The TorchScript type.</summary>
    public TsType Type { get; }

    /// <summary>What the attribute is.</summary>
    public AttributeKind Kind { get; }

    /// <summary>The value of a constant (null otherwise, or for a None constant).</summary>
    public object? ConstantValue { get; }

    /// <summary>Whether the attribute is a parameter or a buffer.</summary>
    public bool IsTensorState => Kind is AttributeKind.Parameter or AttributeKind.Buffer;

    /// <inheritdoc/>
    public override string ToString() => $"{Kind} {Name} : {Type.Name}";
}
