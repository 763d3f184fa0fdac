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
public static class IrValidator
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

    private sealed class MethodChecker(ModuleClass cls, MethodDef method, OpTable ops)
    {
        private Stmt? _current;

        public void Check()
        {
            var scope = new Scope(null);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var sawDefault = false;
            foreach (var p in method.Parameters)
            {
                if (Names.LocalNameProblem(p.Name) is { } problem)
                {
                    Fail($"parameter name {problem}");
                }

                if (!seen.Add(p.Name))
                {
                    Fail($"parameter '{p.Name}' is declared twice");
                }

                if (p.Type is ModuleType)
                {
                    Fail($"parameter '{p.Name}' has a module type; modules cannot be passed as arguments");
                }

                if (p.Default is not null)
                {
                    sawDefault = true;
                    if (p.Default is not (IntLiteral or FloatLiteral or BoolLiteral or StrLiteral or NoneLiteral))
                    {
                        Fail($"the default of parameter '{p.Name}' must be a literal");
                    }

                    var dt = Infer(p.Default, scope);
                    if (!dt.IsSubtypeOf(p.Type))
                    {
                        Fail($"the default of parameter '{p.Name}' is a {dt.Name}, not a {p.Type.Name}");
                    }
                }
                else if (sawDefault)
                {
                    Fail($"parameter '{p.Name}' without a default follows a parameter with a default");
                }

                scope.Own[p.Name] = p.Type;
            }

            if (method.ReturnType is ModuleType)
            {
                Fail("a method cannot return a module");
            }

            var flow = Block(method.Body, scope, 0);
            _current = null;
            if (method.ReturnType.Kind != TsTypeKind.None && !flow.Exits)
            {
                Fail($"the method returns {method.ReturnType.Name} but does not return (or raise) on every path; " +
                     "loops do not count as returning");
            }
        }

        private void Fail(string message)
        {
            var stmt = _current is null ? null : TorchScriptPrinter.PrintStmt(_current).Split('\n')[0];
            var where = stmt is null ? "" : $", statement `{stmt}`";
            throw new TorchScriptValidationException(
                $"Class {cls.QualifiedName}, method {method.Name}{where}: {message}.", cls.QualifiedName, method.Name, stmt);
        }

        private Flow Block(IReadOnlyList<Stmt> stmts, Scope scope, int loopDepth)
        {
            var flow = new Flow(false, false);
            foreach (var s in stmts)
            {
                _current = s;
                if (flow.Terminates)
                {
                    Fail("unreachable statement (it follows a return, raise, break or continue in the same block)");
                }

                var f = Statement(s, scope, loopDepth);
                flow = new Flow(flow.Exits || f.Exits, flow.Terminates || f.Terminates);
            }

            return flow;
        }

        private void Assign(Scope scope, string name, TsType type)
        {
            if (Names.LocalNameProblem(name) is { } problem)
            {
                Fail($"variable name {problem}");
            }

            if (type is ModuleType)
            {
                Fail($"a module cannot be stored in local variable '{name}'");
            }

            if (!scope.Own.ContainsKey(name) && scope.Parent?.Lookup(name) is { } outer && !type.IsSubtypeOf(outer))
            {
                Fail($"variable '{name}' has type {outer.Name} from an enclosing block and cannot be assigned a {type.Name} " +
                     "inside an if-branch or loop (declare it with the wider type first)");
            }

            scope.Own[name] = type;
        }

        private Flow Statement(Stmt s, Scope scope, int loopDepth)
        {
            switch (s)
            {
                case AssignStmt a:
                {
                    if (a.Targets.Count == 0)
                    {
                        Fail("an assignment needs a target");
                    }

                    var vt = Infer(a.Value, scope);
                    if (a.Annotation is not null)
                    {
                        if (a.Targets.Count != 1)
                        {
                            Fail("an annotated assignment has exactly one target");
                        }

                        if (!vt.IsSubtypeOf(a.Annotation))
                        {
                            Fail($"the value is a {vt.Name}, not a {a.Annotation.Name}");
                        }

                        Assign(scope, a.Targets[0], a.Annotation);
                    }
                    else if (a.Targets.Count == 1)
                    {
                        if (vt.Kind == TsTypeKind.None)
                        {
                            Fail($"assigning None to '{a.Targets[0]}' needs a type annotation (e.g. Optional[Tensor])");
                        }

                        Assign(scope, a.Targets[0], vt);
                    }
                    else
                    {
                        if (vt is not TupleType tt || tt.Items.Count != a.Targets.Count)
                        {
                            Fail($"cannot unpack a {vt.Name} into {a.Targets.Count} variables");
                            return default;
                        }

                        if (a.Targets.Distinct(StringComparer.Ordinal).Count() != a.Targets.Count)
                        {
                            Fail("a variable appears twice in the unpacking targets");
                        }

                        for (var i = 0; i < a.Targets.Count; i++)
                        {
                            Assign(scope, a.Targets[i], tt.Items[i]);
                        }
                    }

                    return default;
                }

                case ExprStmt e:
                    Infer(e.Expression, scope);
                    return default;
                case SetItemStmt si:
                {
                    if (si.Target is not VarExpr)
                    {
                        Fail("item assignment (x[i] = v) needs a variable holding a list or a dict");
                    }

                    var container = Infer(si.Target, scope);
                    var index = Infer(si.Index, scope);
                    var value = Infer(si.Value, scope);
                    switch (container)
                    {
                        case ListType list:
                            if (index.Kind != TsTypeKind.Int)
                            {
                                Fail($"a list index must be an int, not a {index.Name}");
                            }

                            if (!value.IsSubtypeOf(list.Element))
                            {
                                Fail($"cannot store a {value.Name} in a {list.Name}");
                            }

                            break;
                        case DictType dict:
                            if (!index.IsSubtypeOf(dict.Key))
                            {
                                Fail($"a key of a {dict.Name} must be a {dict.Key.Name}, not a {index.Name}");
                            }

                            if (!value.IsSubtypeOf(dict.Value))
                            {
                                Fail($"cannot store a {value.Name} in a {dict.Name}");
                            }

                            break;
                        default:
                            Fail($"item assignment (x[i] = v) needs a list or a dict, not a {container.Name}");
                            break;
                    }

                    return default;
                }
                case IfStmt i:
                {
                    Condition(i.Condition, scope, "if");
                    var (onTrue, onFalse) = Refinements(i.Condition, scope);
                    var thenScope = new Scope(scope);
                    foreach (var (k, v) in onTrue)
                    {
                        thenScope.Own[k] = v;
                    }

                    var elseScope = new Scope(scope);
                    foreach (var (k, v) in onFalse)
                    {
                        elseScope.Own[k] = v;
                    }

                    var tf = Block(i.Then, thenScope, loopDepth);
                    var ef = Block(i.Else, elseScope, loopDepth);
                    _current = s;
                    foreach (var name in thenScope.Own.Keys.Union(elseScope.Own.Keys).ToList())
                    {
                        var t = thenScope.Lookup(name);
                        var e = elseScope.Lookup(name);
                        if (tf.Exits && ef.Exits)
                        {
                            continue;
                        }

                        if (tf.Exits)
                        {
                            if (e is not null)
                            {
                                scope.Own[name] = e;
                            }
                        }
                        else if (ef.Exits)
                        {
                            if (t is not null)
                            {
                                scope.Own[name] = t;
                            }
                        }
                        else if (t is not null && e is not null)
                        {
                            var u = TsType.Unify(t, e);
                            if (u is null)
                            {
                                Fail($"variable '{name}' is a {t.Name} after the then-branch but a {e.Name} after the else-branch");
                            }

                            scope.Own[name] = u!;
                        }
                    }

                    return new Flow(tf.Exits && ef.Exits, tf.Terminates && ef.Terminates);
                }

                case ForRangeStmt f:
                {
                    foreach (var (part, ex) in new[] { ("start", f.Start), ("end", f.End), ("step", f.Step) })
                    {
                        if (ex is not null && Infer(ex, scope).Kind != TsTypeKind.Int)
                        {
                            Fail($"range {part} must be an int, not {Infer(ex, scope).Name}");
                        }
                    }

                    if (f.Step is IntLiteral { Value: 0 })
                    {
                        Fail("range step must not be zero");
                    }

                    var body = new Scope(scope);
                    Assign(body, f.Variable, TsType.Int);
                    Block(f.Body, body, loopDepth + 1);
                    return default;
                }

                case ForInStmt f:
                {
                    var it = Infer(f.Iterable, scope);
                    var elem = it switch
                    {
                        { Kind: TsTypeKind.Tensor } => TsType.Tensor,
                        ListType l => l.Element,
                        _ => null,
                    };
                    if (elem is null)
                    {
                        Fail($"cannot iterate over a {it.Name} (only Tensor rows and List items)");
                    }

                    var body = new Scope(scope);
                    Assign(body, f.Variable, elem!);
                    Block(f.Body, body, loopDepth + 1);
                    return default;
                }

                case WhileStmt w:
                {
                    Condition(w.Condition, scope, "while");
                    var body = new Scope(scope);
                    Block(w.Body, body, loopDepth + 1);
                    return default;
                }

                case BreakStmt:
                    if (loopDepth == 0)
                    {
                        Fail("break outside a loop");
                    }

                    return new Flow(false, true);
                case ContinueStmt:
                    if (loopDepth == 0)
                    {
                        Fail("continue outside a loop");
                    }

                    return new Flow(false, true);
                case ReturnStmt r:
                {
                    if (r.Value is null)
                    {
                        if (method.ReturnType.Kind != TsTypeKind.None)
                        {
                            Fail($"a bare return in a method returning {method.ReturnType.Name}");
                        }
                    }
                    else
                    {
                        var t = Infer(r.Value, scope);
                        if (!t.IsSubtypeOf(method.ReturnType))
                        {
                            Fail($"returns a {t.Name} but the method's return type is {method.ReturnType.Name}");
                        }
                    }

                    return new Flow(true, true);
                }

                case RaiseStmt r:
                {
                    var t = Infer(r.Message, scope);
                    if (t.Kind != TsTypeKind.Str)
                    {
                        Fail($"the raised message has type {t.Name}; it must be a str (build it with + and str(...))");
                    }

                    return new Flow(true, true);
                }
                default:
                    Fail($"unknown statement type {s.GetType().Name}");
                    return default;
            }
        }

        private void Condition(Expr cond, Scope scope, string what)
        {
            var t = Infer(cond, scope);
            if (t.Kind is not (TsTypeKind.Bool or TsTypeKind.Tensor))
            {
                Fail($"the {what} condition is a {t.Name}; it must be a bool or a Tensor");
            }
        }

        // Optional refinement: `x is None` / `x is not None` on locals, through `and` / `or` / `not`.
        private (Dictionary<string, TsType> OnTrue, Dictionary<string, TsType> OnFalse) Refinements(Expr cond, Scope scope)
        {
            var onTrue = new Dictionary<string, TsType>(StringComparer.Ordinal);
            var onFalse = new Dictionary<string, TsType>(StringComparer.Ordinal);
            switch (cond)
            {
                case IsNoneExpr { Operand: VarExpr v } n when scope.Lookup(v.Name) is OptionalType o:
                    (n.Negated ? onTrue : onFalse)[v.Name] = o.Inner;
                    break;
                case BinaryExpr { Op: BinaryOp.And } b:
                {
                    var (lt, _) = Refinements(b.Left, scope);
                    var inner = new Scope(scope);
                    foreach (var (k, v) in lt)
                    {
                        inner.Own[k] = v;
                    }

                    var (rt, _) = Refinements(b.Right, inner);
                    foreach (var (k, v) in lt.Concat(rt))
                    {
                        onTrue[k] = v;
                    }

                    break;
                }

                case BinaryExpr { Op: BinaryOp.Or } b:
                {
                    var (_, lf) = Refinements(b.Left, scope);
                    var inner = new Scope(scope);
                    foreach (var (k, v) in lf)
                    {
                        inner.Own[k] = v;
                    }

                    var (_, rf) = Refinements(b.Right, inner);
                    foreach (var (k, v) in lf.Concat(rf))
                    {
                        onFalse[k] = v;
                    }

                    break;
                }

                case UnaryExpr { Op: UnaryOp.Not } u:
                {
                    var (t, f) = Refinements(u.Operand, scope);
                    return (f, t);
                }
            }

            return (onTrue, onFalse);
        }

        private TsType Infer(Expr e, Scope scope)
        {
            switch (e)
            {
                case VarExpr v:
                    return scope.Lookup(v.Name) ?? Fail<TsType>(
                        $"local variable '{v.Name}' is not defined here (assigned later, in only one branch of an if, or only inside a loop?)");
                case IntLiteral:
                    return TsType.Int;
                case FloatLiteral:
                    return TsType.Float;
                case BoolLiteral:
                    return TsType.Bool;
                case StrLiteral:
                    return TsType.Str;
                case NoneLiteral:
                    return TsType.None;
                case SelfAttrExpr a:
                    return SelfAttribute(a);
                case TorchCallExpr t:
                {
                    var args = t.Args.Select(x => Infer(x, scope)).ToList();
                    var kws = Keywords(t.Keywords, scope);
                    if (!ops.TryResolve(t.Op, false, args, kws, out _, out var result, out var error))
                    {
                        Fail($"torch.{t.Op}: {error}");
                    }

                    return result!;
                }

                case MethodCallExpr m:
                {
                    var recv = Infer(m.Receiver, scope);
                    if (recv.Kind is not (TsTypeKind.Tensor or TsTypeKind.List))
                    {
                        Fail($"method '{m.Method}' called on a {recv.Name}; only Tensor and List methods are supported");
                    }

                    var args = new List<TsType> { recv };
                    args.AddRange(m.Args.Select(x => Infer(x, scope)));
                    var kws = Keywords(m.Keywords, scope);
                    if (!ops.TryResolve(m.Method, true, args, kws, out _, out var result, out var error))
                    {
                        Fail($".{m.Method}(): {error}");
                    }

                    return result!;
                }

                case BuiltinCallExpr b:
                    return Builtin(b, b.Args.Select(x => Infer(x, scope)).ToList());
                case BinaryExpr b:
                {
                    var l = Infer(b.Left, scope);
                    TsType r;
                    if (b.Op is BinaryOp.And or BinaryOp.Or)
                    {
                        var (onTrue, onFalse) = Refinements(b.Left, scope);
                        var inner = new Scope(scope);
                        foreach (var (k, v) in b.Op == BinaryOp.And ? onTrue : onFalse)
                        {
                            inner.Own[k] = v;
                        }

                        r = Infer(b.Right, inner);
                    }
                    else
                    {
                        r = Infer(b.Right, scope);
                    }

                    return OperatorRules.Binary(b.Op, l, r) ??
                           Fail<TsType>($"operator '{b.Op.Symbol()}' is not defined for {l.Name} and {r.Name}");
                }

                case UnaryExpr u:
                {
                    var t = Infer(u.Operand, scope);
                    return OperatorRules.Unary(u.Op, t) ?? Fail<TsType>($"unary operator {u.Op} is not defined for {t.Name}");
                }

                case TernaryExpr t:
                {
                    Condition(t.Condition, scope, "conditional expression's");
                    var (onTrue, onFalse) = Refinements(t.Condition, scope);
                    var ts = new Scope(scope);
                    foreach (var (k, v) in onTrue)
                    {
                        ts.Own[k] = v;
                    }

                    var fs = new Scope(scope);
                    foreach (var (k, v) in onFalse)
                    {
                        fs.Own[k] = v;
                    }

                    var a = Infer(t.IfTrue, ts);
                    var b = Infer(t.IfFalse, fs);
                    return TsType.Unify(a, b) ??
                           Fail<TsType>($"the branches of the conditional expression have different types ({a.Name} and {b.Name})");
                }

                case TupleExpr t:
                    return TsType.Tuple(t.Items.Select(x => Infer(x, scope)));
                case ListExpr l:
                {
                    var items = l.Items.Select(x => Infer(x, scope)).ToList();
                    if (l.ElementType is not null)
                    {
                        if (l.ElementType is ModuleType)
                        {
                            Fail("lists of modules are not supported");
                        }

                        for (var i = 0; i < items.Count; i++)
                        {
                            if (!items[i].IsSubtypeOf(l.ElementType))
                            {
                                Fail($"list item {i} is a {items[i].Name}, not a {l.ElementType.Name}");
                            }
                        }

                        return TsType.List(l.ElementType);
                    }

                    if (items.Count == 0)
                    {
                        return TsType.List(TsType.Tensor);
                    }

                    if (items.Any(x => !x.Equals(items[0])))
                    {
                        Fail($"list items have different types ({string.Join(", ", items.Select(x => x.Name).Distinct())}); set the list's element type");
                    }

                    if (items[0].Kind == TsTypeKind.None)
                    {
                        Fail("a list of None needs an element type");
                    }

                    return TsType.List(items[0]);
                }

                case DictExpr d:
                {
                    if (d.Keys.Count != d.Values.Count)
                    {
                        Fail($"a dict literal has {d.Keys.Count} keys but {d.Values.Count} values");
                    }

                    if (d.ValueType is ModuleType)
                    {
                        Fail("dicts of modules are not supported");
                    }

                    if (d.KeyType.Kind is not (TsTypeKind.Str or TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool or TsTypeKind.Tensor))
                    {
                        Fail($"dict keys must be str, int, float, bool or Tensor, not {d.KeyType.Name}");
                    }

                    var type = TsType.Dict(d.KeyType, d.ValueType);
                    for (var i = 0; i < d.Keys.Count; i++)
                    {
                        var k = Infer(d.Keys[i], scope);
                        if (!k.IsSubtypeOf(d.KeyType))
                        {
                            Fail($"dict key {i} is a {k.Name}, not a {d.KeyType.Name}");
                        }

                        var v = Infer(d.Values[i], scope);
                        if (!v.IsSubtypeOf(d.ValueType))
                        {
                            Fail($"the dict value for key {i} is a {v.Name}, not a {d.ValueType.Name}");
                        }
                    }

                    return type;
                }

                case SubscriptExpr s:
                    return Subscript(s, scope);
                case SliceExpr or EllipsisExpr:
                    return Fail<TsType>("slices and '...' are only allowed inside a tensor subscript");
                case IsNoneExpr n:
                    Infer(n.Operand, scope);
                    return TsType.Bool;
                case ModuleCallExpr m:
                {
                    if (m.Path.Count == 0)
                    {
                        Fail("a submodule call needs a submodule path");
                    }

                    var target = cls;
                    for (var i = 0; i < m.Path.Count; i++)
                    {
                        var d = target.FindAttribute(m.Path[i]);
                        if (d is null || d.Kind != AttributeKind.Submodule)
                        {
                            Fail($"'self.{string.Join(".", m.Path.Take(i + 1))}' is not a declared submodule" +
                                 (d is null ? "" : $" (it is a {d.Kind})"));
                        }

                        target = ((ModuleType)d!.Type).Class;
                    }

                    var callee = target.FindMethod(m.Method) ?? Fail<MethodDef>(
                        $"submodule 'self.{string.Join(".", m.Path)}' ({target.QualifiedName}) has no method '{m.Method}'");
                    CheckCallArgs($"self.{string.Join(".", m.Path)}.{m.Method}", callee, m.Args, scope);
                    return callee.ReturnType;
                }

                case SelfMethodCallExpr m:
                {
                    var callee = cls.FindMethod(m.Method) ?? Fail<MethodDef>($"the class has no method '{m.Method}'");
                    CheckCallArgs($"self.{m.Method}", callee, m.Args, scope);
                    return callee.ReturnType;
                }

                case TensorConstantExpr c:
                    if (c.Value is null || c.Value.IsInvalid)
                    {
                        Fail("a tensor constant was disposed");
                    }

                    if (!SupportedDtypes.Contains(c.Value!.dtype.ToString()))
                    {
                        Fail($"a tensor constant has unsupported dtype {c.Value.dtype}");
                    }

                    return TsType.Tensor;
                case UncheckedCastExpr u:
                {
                    var t = Infer(u.Operand, scope);
                    if (!(t.Equals(u.Type) || (t is OptionalType o && o.Inner.Equals(u.Type))))
                    {
                        Fail($"unchecked_cast to {u.Type.Name} needs a {u.Type.Name} or Optional[{u.Type.Name}] value, not a {t.Name}");
                    }

                    return u.Type;
                }

                default:
                    return Fail<TsType>($"unknown expression type {e.GetType().Name}");
            }
        }

        private List<(string Name, TsType Type)> Keywords(IReadOnlyList<KeywordArg> kws, Scope scope)
        {
            var list = new List<(string, TsType)>();
            foreach (var k in kws)
            {
                if (!Names.IsIdentifier(k.Name) || Names.IsKeyword(k.Name))
                {
                    Fail($"keyword argument name '{k.Name}' is not a valid identifier");
                }

                list.Add((k.Name, Infer(k.Value, scope)));
            }

            return list;
        }

        private void CheckCallArgs(string what, MethodDef callee, IReadOnlyList<Expr> args, Scope scope)
        {
            var required = callee.Parameters.Count(p => p.Default is null);
            if (args.Count < required || args.Count > callee.Parameters.Count)
            {
                Fail($"{what} takes {(required == callee.Parameters.Count ? $"{required}" : $"{required} to {callee.Parameters.Count}")} arguments, got {args.Count}");
            }

            for (var i = 0; i < args.Count; i++)
            {
                var t = Infer(args[i], scope);
                if (!t.IsSubtypeOf(callee.Parameters[i].Type))
                {
                    Fail($"{what}: argument '{callee.Parameters[i].Name}' expects {callee.Parameters[i].Type.Name}, got {t.Name}");
                }
            }
        }

        private TsType SelfAttribute(SelfAttrExpr a)
        {
            if (a.Path.Count == 0)
            {
                Fail("'self' alone cannot be used as a value");
            }

            var target = cls;
            for (var i = 0; i < a.Path.Count; i++)
            {
                var name = a.Path[i];
                var shown = "self." + string.Join(".", a.Path.Take(i + 1));
                if (name == "training" && i == a.Path.Count - 1)
                {
                    return TsType.Bool;
                }

                var d = target.FindAttribute(name);
                if (d is null)
                {
                    Fail($"'{shown}' is not a declared attribute of {target.QualifiedName}");
                }

                if (i < a.Path.Count - 1)
                {
                    if (d!.Kind != AttributeKind.Submodule)
                    {
                        Fail($"'{shown}' is a {d.Kind}, not a submodule");
                    }

                    target = ((ModuleType)d.Type).Class;
                }
                else
                {
                    if (d!.Kind == AttributeKind.Submodule)
                    {
                        Fail($"submodule '{shown}' cannot be used as a value; call {shown}.forward(...)");
                    }

                    return d.Type;
                }
            }

            return Fail<TsType>("unreachable");
        }

        private TsType Subscript(SubscriptExpr s, Scope scope)
        {
            var t = Infer(s.Target, scope);
            if (s.Indices.Count == 0)
            {
                Fail("a subscript needs an index");
            }

            switch (t)
            {
                case TupleType tt:
                {
                    if (s.Indices.Count != 1 || s.Indices[0] is not IntLiteral idx)
                    {
                        return Fail<TsType>("a tuple index must be a single int literal");
                    }

                    var n = tt.Items.Count;
                    if (idx.Value < -n || idx.Value >= n)
                    {
                        Fail($"tuple index {idx.Value} is out of range for a {t.Name}");
                    }

                    return tt.Items[(int)(idx.Value < 0 ? idx.Value + n : idx.Value)];
                }

                case ListType lt:
                {
                    if (s.Indices.Count == 1 && s.Indices[0] is SliceExpr slice)
                    {
                        // list[start:stop:step] (aten::slice.t): a list of the same type.
                        foreach (var part in new[] { slice.Start, slice.Stop, slice.Step })
                        {
                            if (part is not null && part is not NoneLiteral && Infer(part, scope).Kind != TsTypeKind.Int)
                            {
                                Fail("list slice bounds and steps must be ints");
                            }
                        }

                        return lt;
                    }

                    if (s.Indices.Count != 1 || s.Indices[0] is EllipsisExpr || Infer(s.Indices[0], scope).Kind != TsTypeKind.Int)
                    {
                        Fail("a list index must be a single int or a slice");
                    }

                    return lt.Element;
                }

                case DictType dt:
                {
                    if (s.Indices.Count != 1 || s.Indices[0] is SliceExpr or EllipsisExpr || !Infer(s.Indices[0], scope).IsSubtypeOf(dt.Key))
                    {
                        Fail($"a dict key must be a single {dt.Key.Name}");
                    }

                    return dt.Value;
                }

                case { Kind: TsTypeKind.Tensor }:
                {
                    var ellipses = 0;
                    foreach (var ix in s.Indices)
                    {
                        switch (ix)
                        {
                            case EllipsisExpr:
                                if (++ellipses > 1)
                                {
                                    Fail("a tensor subscript may contain '...' once");
                                }

                                break;
                            case NoneLiteral:
                                break;
                            case SliceExpr sl:
                                foreach (var part in new[] { sl.Start, sl.Stop, sl.Step })
                                {
                                    if (part is not null && part is not NoneLiteral && Infer(part, scope).Kind != TsTypeKind.Int)
                                    {
                                        Fail("slice bounds and steps must be ints");
                                    }
                                }

                                break;
                            default:
                            {
                                var it = Infer(ix, scope);
                                if (it.Kind is not (TsTypeKind.Int or TsTypeKind.Tensor))
                                {
                                    Fail($"a tensor index must be an int, a Tensor, a slice, '...' or None, not a {it.Name}");
                                }

                                break;
                            }
                        }
                    }

                    return TsType.Tensor;
                }

                default:
                    return Fail<TsType>($"a {t.Name} cannot be subscripted");
            }
        }

        private TsType Builtin(BuiltinCallExpr b, List<TsType> args)
        {
            string Sig() => $"{b.Function}({string.Join(", ", args.Select(a => a.Name))})";
            bool ScalarLike(TsType t) => t.Kind is TsTypeKind.Tensor or TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool;
            switch (b.Function)
            {
                case "int" when args.Count == 1 && ScalarLike(args[0]):
                    return TsType.Int;
                case "float" when args.Count == 1 && ScalarLike(args[0]):
                    return TsType.Float;
                case "bool" when args.Count == 1 && ScalarLike(args[0]):
                    return TsType.Bool;
                case "len" when args.Count == 1 && args[0].Kind is TsTypeKind.List or TsTypeKind.Tensor or TsTypeKind.Str or TsTypeKind.Dict:
                    return TsType.Int;
                case "abs" when args.Count == 1 && args[0].Kind is TsTypeKind.Tensor or TsTypeKind.Int or TsTypeKind.Float:
                    return args[0];
                case "min" or "max" when args.Count == 2 && args[0].IsNumber && args[1].IsNumber:
                    return args[0].Kind == TsTypeKind.Int && args[1].Kind == TsTypeKind.Int ? TsType.Int : TsType.Float;
                case "min" or "max" when args.Count == 1 && args[0] is ListType { Element.IsNumber: true } l:
                    return l.Element;
                case "str" when args.Count == 1 && args[0].Kind is TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool or TsTypeKind.Str:
                    return TsType.Str;
                case "str" when args.Count == 1 && args[0] is ListType { Element.Kind: TsTypeKind.Int }:
                    return TsType.Str;      // "[4, 16]", as Python writes a list

                case "int" or "float" or "bool" or "len" or "abs" or "min" or "max" or "str":
                    return Fail<TsType>($"builtin {Sig()} is not supported for these argument types");
                default:
                    return Fail<TsType>($"unknown builtin '{b.Function}' (supported: int, float, bool, str, len, abs, min, max)");
            }
        }

        private T Fail<T>(string message)
        {
            Fail(message);
            throw new InvalidOperationException("unreachable");
        }
    }
}
