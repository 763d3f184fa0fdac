using TorchSharp;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// Checks IR before it is printed and loaded: LibTorch aborts the whole process on TorchScript compile errors and on
/// missing attributes, so everything it would reject must be caught here. Checks: names; every declared attribute
/// has a value of its type; every <c>self.a.b</c> is declared; locals are defined before use with TorchScript's
/// scoping (a variable assigned in only one branch of an <c>if</c> is not visible after it unless the other branch
/// returns or raises; variables first assigned in a loop are not visible after it; a variable from an outer block
/// keeps its type); operator calls match an <see cref="OpTable"/> overload; operators, conditions, subscripts and
/// method calls are well typed; returns match the return type and non-None methods return on every path; no
/// recursion between methods. Problems throw <see cref="TorchScriptValidationException"/> naming the class, the
/// method and the statement.
/// </summary>
internal static partial class IrValidator
{
    private static readonly HashSet<string> SupportedDtypes = new(StringComparer.Ordinal)
    {
        "Float32", "Float64", "Float16", "BFloat16", "Int64", "Int32", "Int16", "Int8", "Byte", "Bool",
    };

    /// <summary>Validates a module tree: every class (structure and methods) and every instance's values.</summary>
    /// <param name="root">The root module.</param>
    /// <param name="ops">The op table (default: <see cref="OpTable.Default"/>).</param>
    /// <returns>The distinct classes of the tree, children before parents.</returns>
    /// <exception cref="TorchScriptValidationException">Something would not load.</exception>
    public static IReadOnlyList<ModuleClass> Validate(ModuleInstance root, OpTable? ops = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        ops ??= OpTable.Default;
        var classes = new List<ModuleClass>();
        var byName = new Dictionary<string, ModuleClass>(StringComparer.Ordinal);
        var visiting = new HashSet<ModuleInstance>(ReferenceEqualityComparer.Instance);
        var done = new HashSet<ModuleInstance>(ReferenceEqualityComparer.Instance);
        VisitInstance(root, "root", classes, byName, visiting, done);
        foreach (var c in classes)
        {
            ValidateClass(c, ops);
        }

        return classes;
    }

    private static void VisitInstance(ModuleInstance m, string path, List<ModuleClass> classes,
        Dictionary<string, ModuleClass> byName, HashSet<ModuleInstance> visiting, HashSet<ModuleInstance> done)
    {
        var c = m.Class;
        if (!visiting.Add(m))
        {
            throw new TorchScriptValidationException(
                $"Class {c.QualifiedName}: the module at '{path}' contains itself (a cycle in the module tree).", c.QualifiedName);
        }

        foreach (var a in c.Attributes)
        {
            if (a.Kind == AttributeKind.Constant)
            {
                continue;
            }

            if (!m.HasValue(a.Name))
            {
                throw new TorchScriptValidationException(
                    $"Class {c.QualifiedName}: attribute '{a.Name}' ({a.Kind}, {a.Type.Name}) has no value in the module at '{path}'.",
                    c.QualifiedName);
            }

            var v = m.GetValue(a.Name);
            if (!IrValues.Fits(v, a.Type, out var why))
            {
                throw new TorchScriptValidationException(
                    $"Class {c.QualifiedName}: the value of attribute '{a.Name}' in the module at '{path}' does not fit its type {a.Type.Name}: {why}.",
                    c.QualifiedName);
            }

            CheckTensors(v, c, a.Name, path);
            if (v is ModuleInstance child && !done.Contains(child))
            {
                VisitInstance(child, path == "root" ? a.Name : path + "." + a.Name, classes, byName, visiting, done);
            }
        }

        visiting.Remove(m);
        done.Add(m);
        if (byName.TryGetValue(c.QualifiedName, out var existing))
        {
            if (!ReferenceEquals(existing, c))
            {
                throw new TorchScriptValidationException(
                    $"Two different module classes are named {c.QualifiedName} (module at '{path}'); give them distinct qualified names or share one ModuleClass.",
                    c.QualifiedName);
            }
        }
        else
        {
            byName.Add(c.QualifiedName, c);
            classes.Add(c);
        }
    }

    private static void CheckTensors(object? v, ModuleClass c, string attr, string path)
    {
        switch (v)
        {
            case torch.Tensor t:
                if (!SupportedDtypes.Contains(t.dtype.ToString()))
                {
                    throw new TorchScriptValidationException(
                        $"Class {c.QualifiedName}: attribute '{attr}' in the module at '{path}' holds a {t.dtype} tensor; supported dtypes are {string.Join(", ", SupportedDtypes)}.",
                        c.QualifiedName);
                }

                if (t.is_sparse)
                {
                    throw new TorchScriptValidationException(
                        $"Class {c.QualifiedName}: attribute '{attr}' in the module at '{path}' holds a sparse tensor (not supported).", c.QualifiedName);
                }

                break;
            case IReadOnlyList<object?> list:
                foreach (var x in list)
                {
                    CheckTensors(x, c, attr, path);
                }

                break;
            case IrTuple tuple:
                foreach (var x in tuple.Items)
                {
                    CheckTensors(x, c, attr, path);
                }

                break;
            case OrderedValueDictionary d:
                foreach (var kv in d)
                {
                    CheckTensors(kv.Key, c, attr, path);
                    CheckTensors(kv.Value, c, attr, path);
                }

                break;
        }
    }

    /// <summary>Validates one class: its names, attribute declarations, constants and methods.</summary>
    /// <param name="moduleClass">The class.</param>
    /// <param name="ops">The op table (default: <see cref="OpTable.Default"/>).</param>
    /// <exception cref="TorchScriptValidationException">Something would not load.</exception>
    public static void ValidateClass(ModuleClass moduleClass, OpTable? ops = null)
    {
        ArgumentNullException.ThrowIfNull(moduleClass);
        ops ??= OpTable.Default;
        var c = moduleClass;
        var qn = c.QualifiedName;
        foreach (var part in qn.Split('.').Skip(1))
        {
            if (!Names.IsIdentifier(part) || Names.IsKeyword(part))
            {
                throw new TorchScriptValidationException(
                    $"Class {qn}: the qualified name part '{part}' is not a valid identifier (or is a keyword).", qn);
            }
        }

        foreach (var a in c.Attributes)
        {
            if ((a.Kind == AttributeKind.Constant ? Names.MemberNameProblem(a.Name) : Names.AttributeNameProblem(a.Name)) is { } problem)
            {
                throw new TorchScriptValidationException($"Class {qn}: attribute name {problem}.", qn);
            }

            switch (a.Kind)
            {
                case AttributeKind.Parameter or AttributeKind.Buffer when a.Type.Kind != TsTypeKind.Tensor:
                    throw new TorchScriptValidationException($"Class {qn}: {a.Kind} '{a.Name}' must be a Tensor, not {a.Type.Name}.", qn);
                case AttributeKind.Submodule when a.Type is not ModuleType:
                    throw new TorchScriptValidationException($"Class {qn}: submodule '{a.Name}' must have a module type, not {a.Type.Name}.", qn);
                case AttributeKind.Attribute or AttributeKind.Constant when ContainsModule(a.Type):
                    throw new TorchScriptValidationException(
                        $"Class {qn}: attribute '{a.Name}' of type {a.Type.Name} holds modules; declare each child as a submodule.", qn);
                case AttributeKind.Constant:
                    if (!IsConstantType(a.Type))
                    {
                        throw new TorchScriptValidationException(
                            $"Class {qn}: constant '{a.Name}' has type {a.Type.Name}; constants must be int, float, bool, str, None, Optional or Tuple of those.", qn);
                    }

                    if (!IrValues.Fits(a.ConstantValue, a.Type, out var why))
                    {
                        throw new TorchScriptValidationException($"Class {qn}: constant '{a.Name}' does not fit its type {a.Type.Name}: {why}.", qn);
                    }

                    break;
            }
        }

        foreach (var m in c.Methods)
        {
            if (Names.MemberNameProblem(m.Name) is { } problem)
            {
                throw new TorchScriptValidationException($"Class {qn}: method name {problem}.", qn, m.Name);
            }

            new MethodChecker(c, m, ops).Check();
        }

        CheckNoRecursion(c);
    }

    private static bool ContainsModule(TsType t) => t switch
    {
        ModuleType => true,
        ListType l => ContainsModule(l.Element),
        OptionalType o => ContainsModule(o.Inner),
        TupleType tt => tt.Items.Any(ContainsModule),
        DictType d => ContainsModule(d.Value),
        _ => false,
    };

    private static bool IsConstantType(TsType t) => t switch
    {
        OptionalType o => IsConstantType(o.Inner),
        TupleType tt => tt.Items.All(IsConstantType),
        _ => t.Kind is TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool or TsTypeKind.Str or TsTypeKind.None,
    };

    private static void CheckNoRecursion(ModuleClass c)
    {
        var calls = c.Methods.ToDictionary(m => m.Name, m => SelfCalls(m).ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var m in c.Methods)
        {
            Visit(m.Name, []);
        }

        void Visit(string name, List<string> stack)
        {
            if (state.GetValueOrDefault(name) == 2)
            {
                return;
            }

            if (state.GetValueOrDefault(name) == 1)
            {
                var cycle = string.Join(" -> ", stack.SkipWhile(s => s != name).Append(name));
                throw new TorchScriptValidationException(
                    $"Class {c.QualifiedName}: methods call each other recursively ({cycle}); TorchScript does not support recursion.",
                    c.QualifiedName, name);
            }

            state[name] = 1;
            stack.Add(name);
            foreach (var callee in calls.GetValueOrDefault(name) ?? [])
            {
                if (calls.ContainsKey(callee))
                {
                    Visit(callee, stack);
                }
            }

            stack.RemoveAt(stack.Count - 1);
            state[name] = 2;
        }
    }

    private static IEnumerable<string> SelfCalls(MethodDef m) =>
        IrWalker.Expressions(m.Body).OfType<SelfMethodCallExpr>().Select(e => e.Method);

    private sealed class Scope(Scope? parent)
    {
        public Scope? Parent { get; } = parent;

        public Dictionary<string, TsType> Own { get; } = new(StringComparer.Ordinal);

        public TsType? Lookup(string name) => Own.TryGetValue(name, out var t) ? t : Parent?.Lookup(name);
    }

    private readonly record struct Flow(bool Exits, bool Terminates);
}
