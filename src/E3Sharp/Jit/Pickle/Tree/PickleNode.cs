namespace E3Sharp.Jit.Pickle.Tree;

/// <summary>
/// A value of a pickle as the pickle builds it (not interpreted): the form in which an imported archive's
/// <c>data.pkl</c> / <c>constants.pkl</c> is read, edited (class names, storage keys) and written back. Shared
/// references (pickle memo) stay shared object references.
/// </summary>
internal abstract class PickleNode
{
    /// <summary>A deep copy with <paramref name="map"/> applied to every node first (return null to copy normally).</summary>
    /// <param name="map">A replacement for some nodes.</param>
    /// <param name="memo">Copies made so far (keeps sharing).</param>
    public PickleNode Copy(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo)
    {
        if (memo.TryGetValue(this, out var done))
        {
            return done;
        }

        var copy = map(this) ?? CopyCore(map, memo);
        memo[this] = copy;
        return copy;
    }

    /// <summary>Copies this node (children through <see cref="Copy"/>).</summary>
    protected abstract PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo);

    /// <summary>The direct children, for walks.</summary>
    public abstract IEnumerable<PickleNode> Children { get; }
}

/// <summary>None, a bool, an int (long), a float (double), a str or bytes (<c>byte[]</c>).</summary>
internal sealed class PickleScalar(object? value) : PickleNode
{
    /// <summary>The value.</summary>
    public object? Value { get; } = value;

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children => [];

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo) =>
        new PickleScalar(Value);

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString() ?? "None";
}

/// <summary>A tuple.</summary>
internal sealed class PickleTuple(List<PickleNode> items) : PickleNode
{
    /// <summary>The items.</summary>
    public List<PickleNode> Items { get; } = items;

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children => Items;

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo) =>
        new PickleTuple(Items.Select(i => i.Copy(map, memo)).ToList());
}

/// <summary>A list (filled by APPEND/APPENDS after it was created).</summary>
internal sealed class PickleList : PickleNode
{
    /// <summary>The items.</summary>
    public List<PickleNode> Items { get; } = [];

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children => Items;

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo)
    {
        var copy = new PickleList();
        memo[this] = copy;
        copy.Items.AddRange(Items.Select(i => i.Copy(map, memo)));
        return copy;
    }
}

/// <summary>A dict (insertion order kept).</summary>
internal sealed class PickleDict : PickleNode
{
    /// <summary>The entries.</summary>
    public List<(PickleNode Key, PickleNode Value)> Items { get; } = [];

    /// <summary>The value for a str key, or null.</summary>
    /// <param name="key">The key.</param>
    public PickleNode? Get(string key) =>
        Items.FirstOrDefault(kv => kv.Key is PickleScalar { Value: string s } && s == key).Value;

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children => Items.SelectMany(kv => new[] { kv.Key, kv.Value });

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo)
    {
        var copy = new PickleDict();
        memo[this] = copy;
        copy.Items.AddRange(Items.Select(kv => (kv.Key.Copy(map, memo), kv.Value.Copy(map, memo))));
        return copy;
    }
}

/// <summary><c>GLOBAL module name</c>: a class or function reference.</summary>
internal sealed class PickleGlobal(string module, string name) : PickleNode
{
    /// <summary>The module part (<c>__torch__.a</c>, <c>torch._utils</c>).</summary>
    public string Module { get; } = module;

    /// <summary>The name part.</summary>
    public string Name { get; } = name;

    /// <summary>module.name</summary>
    public string QualifiedName => Module + "." + Name;

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children => [];

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo) =>
        new PickleGlobal(Module, Name);

    /// <inheritdoc/>
    public override string ToString() => QualifiedName;
}

/// <summary>A call: <c>REDUCE</c> (callable(*args)) or <c>NEWOBJ</c> (cls.__new__(cls, *args)), with the state a
/// later <c>BUILD</c> set (an object's attribute dict).</summary>
internal sealed class PickleCall(PickleNode callable, PickleNode args, bool isNewObj) : PickleNode
{
    /// <summary>The callable (usually a <see cref="PickleGlobal"/>).</summary>
    public PickleNode Callable { get; set; } = callable;

    /// <summary>The argument tuple.</summary>
    public PickleNode Args { get; set; } = args;

    /// <summary>NEWOBJ rather than REDUCE.</summary>
    public bool IsNewObj { get; } = isNewObj;

    /// <summary>The BUILD state, or null.</summary>
    public PickleNode? State { get; set; }

    /// <summary>The class of an object (the callable's qualified name).</summary>
    public string? ClassName => (Callable as PickleGlobal)?.QualifiedName;

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children =>
        State is null ? [Callable, Args] : [Callable, Args, State];

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo)
    {
        var copy = new PickleCall(Callable.Copy(map, memo), Args.Copy(map, memo), IsNewObj);
        memo[this] = copy;
        copy.State = State?.Copy(map, memo);
        return copy;
    }
}

/// <summary><c>BINPERSID</c>: a reference to a tensor storage record, <c>('storage', dtype, key, location, numel)</c>.</summary>
internal sealed class PicklePersistentId(PickleNode id) : PickleNode
{
    /// <summary>The id tuple.</summary>
    public PickleNode Id { get; } = id;

    /// <summary>The storage key (record <c>data/&lt;key&gt;</c>), or null when the id is not a storage reference.</summary>
    public string? StorageKey =>
        Id is PickleTuple { Items.Count: >= 3 } t && t.Items[0] is PickleScalar { Value: "storage" } &&
        t.Items[2] is PickleScalar { Value: string key }
            ? key
            : null;

    /// <inheritdoc/>
    public override IEnumerable<PickleNode> Children => [Id];

    /// <inheritdoc/>
    protected override PickleNode CopyCore(Func<PickleNode, PickleNode?> map, Dictionary<PickleNode, PickleNode> memo) =>
        new PicklePersistentId(Id.Copy(map, memo));
}
