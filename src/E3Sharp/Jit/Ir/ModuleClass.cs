using System.ComponentModel;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// A TorchScript module class: its qualified name (<c>__torch__.e3sharp.Gate</c>), declared attributes (parameters,
/// buffers, typed attributes, submodules, constants) and methods. Instances (with values) are
/// <see cref="ModuleInstance"/>s; several instances may share one class when their attributes have the same types
/// and their code is the same.
/// </summary>
/// <remarks>
/// The <c>training : bool</c> attribute is implicit: every class gets it in the archive, and its value comes from
/// <see cref="ModuleInstance.Training"/>. Declaring an attribute named <c>training</c> is an error.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ModuleClass
{
    private readonly List<AttributeDecl> _attributes = [];
    private readonly Dictionary<string, AttributeDecl> _attributeByName = new(StringComparer.Ordinal);
    private readonly List<MethodDef> _methods = [];

    /// <summary>Creates an empty class.</summary>
    /// <param name="qualifiedName">The qualified name: <c>__torch__</c> followed by dot-separated identifiers,
    /// e.g. <c>__torch__.e3sharp.Gate</c>. The part before the last dot selects the code file
    /// (<c>code/__torch__/e3sharp.py</c>).</param>
    internal ModuleClass(string qualifiedName)
    {
        ArgumentNullException.ThrowIfNull(qualifiedName);
        if (!qualifiedName.StartsWith("__torch__.", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"A module class name must start with '__torch__.' (got '{qualifiedName}').", nameof(qualifiedName));
        }

        QualifiedName = qualifiedName;
        var dot = qualifiedName.LastIndexOf('.');
        Qualifier = qualifiedName[..dot];
        Name = qualifiedName[(dot + 1)..];
    }

    /// <summary>The qualified name, <c>__torch__.a.b.Name</c>.</summary>
    public string QualifiedName { get; }

    /// <summary>The qualifier (everything before the last dot), <c>__torch__.a.b</c>.</summary>
    public string Qualifier { get; }

    /// <summary>The class name (after the last dot).</summary>
    public string Name { get; }

    /// <summary>The declared attributes, in declaration order.</summary>
    internal IReadOnlyList<AttributeDecl> Attributes => _attributes;

    /// <summary>The methods, in declaration order.</summary>
    internal IReadOnlyList<MethodDef> Methods => _methods;

    /// <summary>The type of instances of this class.</summary>
    internal ModuleType Type => TsType.Module(this);

    /// <summary>Finds a declared attribute by name.</summary>
    /// <param name="name">The attribute name.</param>
    internal AttributeDecl? FindAttribute(string name) => _attributeByName.GetValueOrDefault(name);

    /// <summary>Finds a method by name.</summary>
    /// <param name="name">The method name.</param>
    internal MethodDef? FindMethod(string name) => _methods.Find(m => m.Name == name);

    /// <summary>The names of the class's methods, in order.</summary>
    internal IEnumerable<string> MethodNames => _methods.Select(m => m.Name);

    /// <summary>Declares an attribute; declaring the same name again with the same type and kind is a no-op.</summary>
    /// <param name="declaration">The declaration.</param>
    /// <returns>This class.</returns>
    internal ModuleClass Declare(AttributeDecl declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        if (declaration.Name == "training")
        {
            throw new ArgumentException(
                $"Class {QualifiedName}: 'training' is implicit (ModuleInstance.Training); do not declare it.",
                nameof(declaration));
        }

        if (_attributeByName.TryGetValue(declaration.Name, out var existing))
        {
            if (existing.Kind == declaration.Kind && existing.Type.Equals(declaration.Type) &&
                (declaration.Kind != AttributeKind.Constant || Equals(existing.ConstantValue, declaration.ConstantValue)))
            {
                return this;
            }

            throw new ArgumentException(
                $"Class {QualifiedName}: attribute '{declaration.Name}' is already declared as {existing}; " +
                $"cannot redeclare it as {declaration}.", nameof(declaration));
        }

        if (_methods.Exists(m => m.Name == declaration.Name))
        {
            throw new ArgumentException(
                $"Class {QualifiedName}: '{declaration.Name}' is already a method name.", nameof(declaration));
        }

        _attributes.Add(declaration);
        _attributeByName.Add(declaration.Name, declaration);
        return this;
    }

    /// <summary>Declares a parameter (a Tensor listed in <c>__parameters__</c>).</summary>
    /// <param name="name">The name.</param>
    /// <returns>This class.</returns>
    internal ModuleClass AddParameter(string name) => Declare(new AttributeDecl(name, TsType.Tensor, AttributeKind.Parameter));

    /// <summary>Declares a buffer (a Tensor listed in <c>__buffers__</c>).</summary>
    /// <param name="name">The name.</param>
    /// <returns>This class.</returns>
    internal ModuleClass AddBuffer(string name) => Declare(new AttributeDecl(name, TsType.Tensor, AttributeKind.Buffer));

    /// <summary>Declares a typed attribute.</summary>
    /// <param name="name">The name.</param>
    /// <param name="type">The type.</param>
    /// <returns>This class.</returns>
    internal ModuleClass AddAttribute(string name, TsType type) => Declare(new AttributeDecl(name, type, AttributeKind.Attribute));

    /// <summary>Declares a submodule attribute of class <paramref name="childClass"/>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="childClass">The child's class.</param>
    /// <returns>This class.</returns>
    internal ModuleClass AddSubmodule(string name, ModuleClass childClass) =>
        Declare(new AttributeDecl(name, TsType.Module(childClass), AttributeKind.Submodule));

    /// <summary>Declares a class constant (<c>name : Final[type] = value</c>).</summary>
    /// <param name="name">The name.</param>
    /// <param name="type">int, float, bool, str, Optional of those, or a Tuple of those.</param>
    /// <param name="value">The value (long/int, double, bool, string, null, IrTuple or a C# tuple).</param>
    /// <returns>This class.</returns>
    internal ModuleClass AddConstant(string name, TsType type, object? value) =>
        Declare(new AttributeDecl(name, type, AttributeKind.Constant, value));

    /// <summary>Adds a method.</summary>
    /// <param name="method">The method.</param>
    /// <returns>This class.</returns>
    internal ModuleClass AddMethod(MethodDef method)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (FindMethod(method.Name) is not null)
        {
            throw new ArgumentException($"Class {QualifiedName} already has a method '{method.Name}'.", nameof(method));
        }

        if (_attributeByName.ContainsKey(method.Name))
        {
            throw new ArgumentException(
                $"Class {QualifiedName}: '{method.Name}' is already an attribute name.", nameof(method));
        }

        _methods.Add(method);
        return this;
    }

    /// <summary>Replaces the method named <paramref name="name"/> by <paramref name="replacement"/> (same position).</summary>
    /// <param name="name">The existing method's name.</param>
    /// <param name="replacement">The new method (it may have another name, which must be free).</param>
    internal void ReplaceMethod(string name, MethodDef replacement)
    {
        var index = _methods.FindIndex(m => m.Name == name);
        if (index < 0)
        {
            throw new ArgumentException($"Class {QualifiedName} has no method '{name}'.", nameof(name));
        }

        if (replacement.Name != name && (FindMethod(replacement.Name) is not null || _attributeByName.ContainsKey(replacement.Name)))
        {
            throw new ArgumentException(
                $"Class {QualifiedName} already has a member '{replacement.Name}'.", nameof(replacement));
        }

        _methods[index] = replacement;
    }

    /// <inheritdoc/>
    public override string ToString() => QualifiedName;
}
