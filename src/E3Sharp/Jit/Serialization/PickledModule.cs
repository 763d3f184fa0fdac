using E3Sharp.Jit.Pickle;

namespace E3Sharp.Jit.Serialization;

/// <summary>
/// A module object read from an archive's <c>data.pkl</c>: its class and its state (every attribute value, in
/// pickled order). Values are tensors, <c>long</c>, <c>double</c>, <c>bool</c>, <c>string</c>, null, lists,
/// <see cref="PickleTuple"/>, <see cref="PickleDict"/> or nested <see cref="PickledModule"/>s.
/// </summary>
internal sealed class PickledModule
{
    internal PickledModule(string qualifiedName, IReadOnlyList<KeyValuePair<string, object?>> state, ClassDeclaration? declaration)
    {
        QualifiedName = qualifiedName;
        State = state;
        Declaration = declaration;
    }

    /// <summary>The class's qualified name.</summary>
    public string QualifiedName { get; }

    /// <summary>The attribute values in pickled order (<c>training</c> included).</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> State { get; }

    /// <summary>The class as declared in the archive's code, if found.</summary>
    public ClassDeclaration? Declaration { get; }

    /// <summary>The value of an attribute.</summary>
    /// <param name="name">The attribute name.</param>
    /// <exception cref="KeyNotFoundException">No such attribute.</exception>
    public object? this[string name]
    {
        get
        {
            foreach (var kv in State)
            {
                if (kv.Key == name)
                {
                    return kv.Value;
                }
            }

            throw new KeyNotFoundException($"Module {QualifiedName} has no attribute '{name}' in its pickled state.");
        }
    }

    /// <summary>The submodules (attributes holding modules), in order.</summary>
    public IEnumerable<KeyValuePair<string, PickledModule>> Children =>
        State.Where(kv => kv.Value is PickledModule).Select(kv => new KeyValuePair<string, PickledModule>(kv.Key, (PickledModule)kv.Value!));

    /// <inheritdoc/>
    public override string ToString() => QualifiedName;
}
