using TorchSharp;

namespace E3Sharp.Jit.Ir;

internal static partial class IrValidator
{
    /// <summary>The expression half of the method checker: type inference, calls, attributes, subscripts and builtins.</summary>
    private sealed partial class MethodChecker
    {
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
