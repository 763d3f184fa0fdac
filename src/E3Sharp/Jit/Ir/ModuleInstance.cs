using TorchSharp;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// A module object: a <see cref="ModuleClass"/> plus a value for every declared non-constant attribute. This is
/// what the archive writer pickles into <c>data.pkl</c>; the root instance becomes the loaded ScriptModule.
/// The <c>Add*</c> methods declare the attribute on the class (if it is not declared yet) and set the value.
/// </summary>
/// <example>
/// <code>
/// var child = new ModuleInstance("__torch__.demo.Child").AddParameter("w", torch.ones(3));
/// var root = new ModuleInstance("__torch__.demo.Net")
///     .AddParameter("weight", torch.randn(3, 3))
///     .AddAttribute("k", TsType.Int, 4)
///     .AddSubmodule("child", child);
/// </code>
/// </example>
internal sealed class ModuleInstance
{
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    /// <summary>Creates an instance of an existing class.</summary>
    /// <param name="moduleClass">The class.</param>
    public ModuleInstance(ModuleClass moduleClass)
    {
        ArgumentNullException.ThrowIfNull(moduleClass);
        Class = moduleClass;
    }

    /// <summary>Creates an instance of a new, empty class.</summary>
    /// <param name="qualifiedName">The new class's qualified name (<c>__torch__.a.B</c>).</param>
    public ModuleInstance(string qualifiedName)
        : this(new ModuleClass(qualifiedName))
    {
    }

    /// <summary>The class.</summary>
    public ModuleClass Class { get; }

    /// <summary>The value of the implicit <c>training</c> attribute (default true, like a fresh TorchSharp module).</summary>
    public bool Training { get; set; } = true;

    /// <summary>The attribute values set so far, by name.</summary>
    public IReadOnlyDictionary<string, object?> Values => _values;

    /// <summary>Whether a value has been set for <paramref name="name"/>.</summary>
    /// <param name="name">The attribute name.</param>
    public bool HasValue(string name) => _values.ContainsKey(name);

    /// <summary>Gets the value of an attribute.</summary>
    /// <param name="name">The attribute name.</param>
    /// <exception cref="KeyNotFoundException">No value was set.</exception>
    public object? GetValue(string name) =>
        _values.TryGetValue(name, out var v)
            ? v
            : throw new KeyNotFoundException($"Module {Class.QualifiedName} has no value for attribute '{name}'.");

    /// <summary>Sets the value of a declared attribute (the value is normalized, see <see cref="IrValues.Normalize"/>).</summary>
    /// <param name="name">The attribute name.</param>
    /// <param name="value">The value.</param>
    /// <returns>This instance.</returns>
    public ModuleInstance Set(string name, object? value)
    {
        var decl = Class.FindAttribute(name) ?? throw new ArgumentException(
            $"Module {Class.QualifiedName} has no declared attribute '{name}'.", nameof(name));
        if (decl.Kind == AttributeKind.Constant)
        {
            throw new ArgumentException(
                $"Module {Class.QualifiedName}: '{name}' is a class constant; its value is part of the class.", nameof(name));
        }

        _values[name] = IrValues.Normalize(value);
        return this;
    }

    /// <summary>Declares (if needed) a parameter and sets its tensor.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The tensor (shared, not copied: two attributes holding the same tensor object share one storage in the archive).</param>
    /// <returns>This instance.</returns>
    public ModuleInstance AddParameter(string name, torch.Tensor value)
    {
        Class.AddParameter(name);
        return Set(name, value);
    }

    /// <summary>Declares (if needed) a buffer and sets its tensor.</summary>
    /// <param name="name">The name.</param>
    /// <param name="value">The tensor.</param>
    /// <returns>This instance.</returns>
    public ModuleInstance AddBuffer(string name, torch.Tensor value)
    {
        Class.AddBuffer(name);
        return Set(name, value);
    }

    /// <summary>Declares (if needed) a typed attribute and sets its value.</summary>
    /// <param name="name">The name.</param>
    /// <param name="type">The type.</param>
    /// <param name="value">The value (long/int, double, bool, string, null, Tensor, lists/arrays, IrTuple or C# tuples, dictionaries).</param>
    /// <returns>This instance.</returns>
    public ModuleInstance AddAttribute(string name, TsType type, object? value)
    {
        Class.AddAttribute(name, type);
        return Set(name, value);
    }

    /// <summary>Declares (if needed) a submodule and sets it.</summary>
    /// <param name="name">The name.</param>
    /// <param name="child">The child module.</param>
    /// <returns>This instance.</returns>
    public ModuleInstance AddSubmodule(string name, ModuleInstance child)
    {
        ArgumentNullException.ThrowIfNull(child);
        Class.AddSubmodule(name, child.Class);
        return Set(name, child);
    }

    /// <summary>Declares a class constant.</summary>
    /// <param name="name">The name.</param>
    /// <param name="type">The type.</param>
    /// <param name="value">The value.</param>
    /// <returns>This instance.</returns>
    public ModuleInstance AddConstant(string name, TsType type, object? value)
    {
        Class.AddConstant(name, type, value);
        return this;
    }

    /// <summary>Adds a method to the class.</summary>
    /// <param name="method">The method.</param>
    /// <returns>This instance.</returns>
    public ModuleInstance AddMethod(MethodDef method)
    {
        Class.AddMethod(method);
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Class.QualifiedName} instance";
}
