using TorchSharp;

namespace E3Sharp.Jit.Ir;

internal static partial class IrValidator
{
    /// <summary>Checks one method: parameters, statements, scoping and control flow (expressions in IrValidator.Expressions.cs).</summary>
    private sealed partial class MethodChecker(ModuleClass cls, MethodDef method, OpTable ops)
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
    }
}
