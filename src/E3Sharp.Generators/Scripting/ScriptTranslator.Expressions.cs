using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

internal sealed partial class ScriptTranslator
{
    private const string SupportedTypes =
        "Tensor, int/long, double/float, bool, string, Tensor[] or List<Tensor>, long[], or a tuple of these";

    // The IR's reserved names (keywords, names of the archive's code environment), from the file the IR compiles.
    private static readonly HashSet<string> ReservedNames = new(
        E3Sharp.Jit.Ir.ReservedNameLists.PythonKeywords.Concat(E3Sharp.Jit.Ir.ReservedNameLists.EnvironmentNames), StringComparer.Ordinal);

    /// <summary>The names the generator never uses for locals (tests compare them with the IR's rules).</summary>
    internal static IReadOnlyCollection<string> Reserved => ReservedNames;

    private Ex? E(IOperation op)
    {
        _ct.ThrowIfCancellationRequested();
        if (op.ConstantValue.HasValue)
        {
            var lit = LiteralOf(op.ConstantValue.Value, op.Type);
            if (lit is null)
            {
                Report(Descriptors.UnsupportedType, op, $"A constant of type {op.Type?.ToDisplayString()} cannot be used in scripted code; use {SupportedTypes}.");
            }

            return lit;
        }

        if (op is not IInstanceReferenceOperation && IsConst(op) && Fold(op) is { } folded)
        {
            return folded;
        }

        switch (op)
        {
            case IConversionOperation c:
                return Conversion(c);
            case IParenthesizedOperation p:
                return E(p.Operand);
            case ILocalReferenceOperation l:
                return Variable(l.Local, op);
            case IParameterReferenceOperation p:
                return Variable(p.Parameter, op);
            case IInstanceReferenceOperation:
                Report(Descriptors.UnsupportedExpression, op,
                    "'this' cannot be used as a value in scripted code; use its fields (tensors, submodules, numbers) directly.");
                return null;
            case IFieldReferenceOperation or IPropertyReferenceOperation:
                return Member((IMemberReferenceOperation)op);
            case IArrayElementReferenceOperation a:
                return ArrayElement(a);
            case IImplicitIndexerReferenceOperation ii:
                return ListIndex(ii.Instance, ii.Argument, ii);
            case IBinaryOperation bin:
                return Binary(bin);
            case IUnaryOperation u:
                return Unary(u);
            case IConditionalOperation c:
                return Ternary(c);
            case IInvocationOperation inv:
                return Invocation(inv);
            case ITupleOperation t:
                return Tuple(t);
            case IArrayCreationOperation ac:
                return ArrayCreation(ac);
            case ICollectionExpressionOperation ce:
                return ListOf(ce.Elements, ce.Type, ce);
            case IObjectCreationOperation oc:
                return ObjectCreation(oc);
            case IIsPatternOperation ip:
                return IsPattern(ip);
            case IInterpolatedStringOperation:
                Report(Descriptors.Strings, op,
                    "String interpolation is not supported in scripted code: TorchScript methods compute tensors, not text. Remove it (or format values outside the module).");
                return null;
            case IAnonymousFunctionOperation or IDelegateCreationOperation:
                Report(Descriptors.Lambda, op,
                    "Lambdas, anonymous methods and method groups are not supported in scripted code; move the code into a private method of the module class (it becomes a TorchScript method) and call it.");
                return null;
            case ITranslatedQueryOperation:
                Report(Descriptors.Linq, op,
                    "LINQ queries are not supported in scripted code; write a for loop over an int range (or foreach over a tensor's rows) instead.");
                return null;
            case ICoalesceOperation:
                Report(Descriptors.UnsupportedOperator, op, "'??' is not supported in scripted code; write 'x is null ? y : x' or an if statement.");
                return null;
            case IConditionalAccessOperation:
                Report(Descriptors.UnsupportedOperator, op, "'?.' is not supported in scripted code; test 'x is not null' in an if statement.");
                return null;
            case IDeclarationExpressionOperation:
                Report(Descriptors.RefOut, op, "'out var' is not supported in scripted code (TorchScript has no by-reference arguments); return the values instead (a tuple for several).");
                return null;
            case IInvalidOperation:
                return null;
            default:
                Report(Descriptors.UnsupportedExpression, op,
                    $"This expression ({op.Kind}) is not supported in scripted code; see docs/scripting-subset.md for the supported expressions.");
                return null;
        }
    }

    private Ex? Variable(ISymbol s, IOperation op)
    {
        if (_m.Slots.TryGetValue(s, out var slot))
        {
            return new Ex(
                $"__ir.ListOf(__Ir.TsType.Tensor, global::System.Linq.Enumerable.ToArray(global::System.Linq.Enumerable.Select(global::System.Linq.Enumerable.Range(0, __n_{slot.Name}), __i => (__Ir.Expr)__ir.Var({Literal(slot.Name + "_")} + __i.ToString(global::System.Globalization.CultureInfo.InvariantCulture)))))",
                TsType.List(TsType.Tensor));
        }

        if (_m.CompileTime.Contains(s))
        {
            var type = s is ILocalSymbol l ? l.Type : ((IParameterSymbol)s).Type;
            Report(Descriptors.UnsupportedType, op,
                $"'{s.Name}' holds a {type.ToDisplayString()} computed when the module is scripted; TorchScript cannot hold that type. Use its int, float, bool or string members (e.g. '{s.Name}.Dim').");
            return null;
        }

        if (!_m.Types.TryGetValue(s, out var t))
        {
            return null; // its declaration was reported
        }

        var v = $"__ir.Var({Literal(NameOf(s))})";
        if (t.Kind == TsTypeKind.Optional && op.SemanticModel?.GetTypeInfo(op.Syntax, _ct).Nullability.FlowState == NullableFlowState.NotNull)
        {
            // C#'s flow analysis proved it non-null here (e.g. inside 'if (x is not null)'): use it as the inner type.
            return new Ex($"__ir.Cast({t.Element.Code}, {v})", t.Element);
        }

        return new Ex(v, t);
    }

    // A value computed only from the module (its fields, constants, unrolled loop variables): evaluated when the
    // module is scripted. Direct reads of number/bool/string members become typed attributes, the rest literals.
    private Ex? Fold(IOperation op)
    {
        if (FoldType(op.Type) is not { } ft)
        {
            return null;
        }

        var (cast, ts) = ft;
        if (ts.Kind is TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool or TsTypeKind.Str && op.Type?.TypeKind != TypeKind.Enum &&
            Unwrap(op) is IMemberReferenceOperation { Instance: IInstanceReferenceOperation } m &&
            (m is IFieldReferenceOperation || m is IPropertyReferenceOperation { Arguments.Length: 0 }) &&
            FoldType(m.Type) is { } mt && mt.Type.Equals(ts))
        {
            return new Ex($"__b.Attribute(({cast})(this.{m.Member.Name}), {Literal(m.Member.Name)})", ts);
        }

        return new Ex($"__Sc.ScriptBinder.Constant(({cast})({Text(op)}))", ts);
    }

    private (string Cast, TsType Type)? FoldType(ITypeSymbol? t)
    {
        if (t is null)
        {
            return null;
        }

        if (IsScalarTypeEnum(t) || (t is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n && IsScalarTypeEnum(n.TypeArguments[0])))
        {
            return ("global::TorchSharp.torch.ScalarType", TsType.Int);
        }

        switch (t.SpecialType)
        {
            case SpecialType.System_Int16:
            case SpecialType.System_Int32:
            case SpecialType.System_Int64:
            case SpecialType.System_Byte:
            case SpecialType.System_SByte:
            case SpecialType.System_UInt16:
            case SpecialType.System_UInt32:
                return ("long", TsType.Int);
            case SpecialType.System_Double:
            case SpecialType.System_Single:
                return ("double", TsType.Float);
            case SpecialType.System_Boolean:
                return ("bool", TsType.Bool);
            case SpecialType.System_String:
                return ("string", TsType.Str);
        }

        var element = EnumerableElement(t);
        return element?.SpecialType switch
        {
            SpecialType.System_Int32 => ("global::System.Collections.Generic.IEnumerable<int>", TsType.List(TsType.Int)),
            SpecialType.System_Int64 => ("global::System.Collections.Generic.IEnumerable<long>", TsType.List(TsType.Int)),
            SpecialType.System_Double => ("global::System.Collections.Generic.IEnumerable<double>", TsType.List(TsType.Float)),
            _ => null,
        };
    }

    private static ITypeSymbol? EnumerableElement(ITypeSymbol t)
    {
        if (t is IArrayTypeSymbol { Rank: 1 } a)
        {
            return a.ElementType;
        }

        if (t is INamedTypeSymbol { IsGenericType: true } n && n.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
        {
            return n.TypeArguments[0];
        }

        return t.AllInterfaces.FirstOrDefault(i => i.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)?.TypeArguments[0];
    }

    private bool IsScalarTypeEnum(ITypeSymbol t) => _scalarType is not null && SymbolEqualityComparer.Default.Equals(t, _scalarType);

    /// <summary>Whether the value is determined by the module alone (no locals, parameters or tensor computations).</summary>
    private bool IsConst(IOperation op)
    {
        if (op.ConstantValue.HasValue)
        {
            return true;
        }

        switch (op)
        {
            case IInstanceReferenceOperation:
                return true;
            case ILocalReferenceOperation l:
                return _m.CompileTime.Contains(l.Local) || IsLambdaOwned(l.Local);
            case IParameterReferenceOperation p:
                return IsLambdaOwned(p.Parameter);
            case IFieldReferenceOperation f:
                return f.Instance is null || IsConst(f.Instance);
            case IPropertyReferenceOperation p:
                if (p.Property.Name == "training" && IsModule(p.Property.ContainingType))
                {
                    return false;
                }

                if (p.Instance is not null && IsTensor(p.Instance.Type) && p.Property.Name is not ("shape" or "ndim" or "dtype"))
                {
                    return false;
                }

                return (p.Instance is null || IsConst(p.Instance)) && p.Arguments.All(a => IsConst(a.Value));
            case IInvocationOperation i:
                var m = i.TargetMethod;
                if (IsTensor(i.Type) || IsModule(m.ContainingType) ||
                    SymbolEqualityComparer.Default.Equals(m.ContainingType, _torch) ||
                    (IsTensor(m.ContainingType) && m.Name is not ("size" or "dim" or "numel")))
                {
                    return false;
                }

                if (IsSameClass(m.ContainingType) && m.Parameters.Any(p => IsTensor(p.Type)))
                {
                    return false;
                }

                return (i.Instance is null || IsConst(i.Instance)) && i.Arguments.All(a => IsConst(a.Value));
            case IArgumentOperation a:
                return IsConst(a.Value);
            case IAnonymousFunctionOperation or IDelegateCreationOperation:
                return op.Descendants().All(d => d switch
                {
                    ILocalReferenceOperation l => _m.CompileTime.Contains(l.Local) || IsLambdaOwned(l.Local),
                    IParameterReferenceOperation p => IsLambdaOwned(p.Parameter),
                    IInvocationOperation inv => !IsTensor(inv.Type) && !IsModule(inv.TargetMethod.ContainingType),
                    _ => !IsTensor(d.Type),
                });
            case IBinaryOperation b:
                return !IsTensor(b.Type) && IsConst(b.LeftOperand) && IsConst(b.RightOperand);
            case IUnaryOperation u:
                return !IsTensor(u.Type) && IsConst(u.Operand);
            case IConversionOperation c:
                return !IsTensor(c.Type) && IsConst(c.Operand);
            case IConditionalOperation c:
                return c.WhenFalse is not null && !IsTensor(c.Type) && IsConst(c.Condition) && IsConst(c.WhenTrue) && IsConst(c.WhenFalse);
            case IArrayElementReferenceOperation a:
                return IsConst(a.ArrayReference) && a.Indices.All(IsConst);
            case IImplicitIndexerReferenceOperation ii:
                return IsConst(ii.Instance) && IsConst(ii.Argument);
            case IParenthesizedOperation p:
                return IsConst(p.Operand);
            case IInterpolatedStringOperation s:
                return s.Parts.SelectMany(x => x.ChildOperations).All(IsConst);
            case IInterpolationOperation or IInterpolatedStringTextOperation:
                return op.ChildOperations.All(IsConst);
            case IIsPatternOperation ip:
                return IsConst(ip.Value);
            case IIsTypeOperation it:
                return IsConst(it.ValueOperand);
            case ICoalesceOperation co:
                return !IsTensor(co.Type) && IsConst(co.Value) && IsConst(co.WhenNull);
            case IConditionalAccessOperation ca:
                return !IsTensor(ca.Type) && IsConst(ca.Operation) && IsConst(ca.WhenNotNull);
            case IConditionalAccessInstanceOperation:
                return true;
            case IRangeOperation r:
                return (r.LeftOperand is null || IsConst(r.LeftOperand)) && (r.RightOperand is null || IsConst(r.RightOperand));
            default:
                return false;
        }
    }

    private bool IsScalar(ITypeSymbol? t) => t is not null && _scalar is not null && SymbolEqualityComparer.Default.Equals(t, _scalar);

    private static bool IsLambdaOwned(ISymbol s) =>
        s.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.AnonymousFunction or MethodKind.LambdaMethod };

    private Ex? Member(IMemberReferenceOperation m)
    {
        var name = m.Member.Name;
        if (name == "training" && IsModule(m.Member.ContainingType) && m.Instance is IInstanceReferenceOperation)
        {
            return new Ex("__ir.Self(\"training\")", TsType.Bool);
        }

        if (m is IFieldReferenceOperation { Field.CorrespondingTupleField: { } tf } tupleField && tupleField.Instance is not null)
        {
            var tuple = E(tupleField.Instance);
            if (tuple is null)
            {
                return null;
            }

            var index = ((INamedTypeSymbol)tupleField.Instance.Type!).TupleElements.ToList()
                .FindIndex(e => SymbolEqualityComparer.Default.Equals(e.CorrespondingTupleField, tf));
            return index < 0 || tuple.Type.Kind != TsTypeKind.Tuple ? null : new Ex($"__ir.Index({tuple.Code}, __ir.Int({index}))", tuple.Type.Items[index]);
        }

        if (IsConst(m))
        {
            if (IsTensor(m.Type))
            {
                return new Ex($"__b.Tensor({Text(m)}, {Literal(MemberPath(m))})", TsType.Tensor);
            }

            if (IsModule(m.Type))
            {
                Report(Descriptors.SubmoduleUse, m,
                    $"The submodule '{MemberPath(m)}' can only be called in scripted code ('{Text(m)}.call(x)' or '.forward(x)'), not used as a value.");
                return null;
            }

            Report(Descriptors.UnsupportedType, m,
                $"'{Text(m)}' has type {m.Type?.ToDisplayString()}, which TorchScript cannot hold; use its int, float, bool or string members, which are evaluated when the module is scripted.");
            return null;
        }

        if (m.Instance is not null && IsTensor(m.Instance.Type) && m is IPropertyReferenceOperation { Arguments.Length: 0 })
        {
            var recv = E(m.Instance);
            if (recv is null)
            {
                return null;
            }

            switch (name)
            {
                case "shape":
                    return new Ex($"__ir.Method({recv.Code}, \"size\")", TsType.List(TsType.Int));
                case "ndim":
                    return new Ex($"__ir.Method({recv.Code}, \"dim\")", TsType.Int);
            }

            Report(Descriptors.UnknownTorchMember, m,
                $"Tensor.{name} has no TorchScript counterpart in scripted code; supported tensor properties are shape and ndim (see docs/scripting-subset.md).");
            return null;
        }

        if (m is IPropertyReferenceOperation { Arguments.Length: > 0 } indexer)
        {
            return Indexer(indexer);
        }

        if (name == "Length" && m.Instance is not null && Unwrap(m.Instance) is ILocalReferenceOperation sl && _m.Slots.TryGetValue(sl.Local, out var slotArray))
        {
            return new Ex($"__ir.Int(__n_{slotArray.Name})", TsType.Int);
        }

        if (m.Instance is not null && name is "Length" or "Count" && MapType(m.Instance.Type!, false) is { Kind: TsTypeKind.List })
        {
            var list = E(m.Instance);
            return list is null ? null : new Ex($"__ir.Builtin(\"len\", {list.Code})", TsType.Int);
        }

        if (m.Instance is not null && m.Instance.Type?.SpecialType == SpecialType.System_Array)
        {
            // unreachable in practice: rank-1 arrays are handled above
        }

        Report(Descriptors.UnsupportedExpression, m,
            $"'{Text(m)}' ({m.Member.ContainingType?.Name}.{name}) is not supported in scripted code; see docs/scripting-subset.md.");
        return null;
    }

    private static string MemberPath(IOperation op) => Text(op).StartsWith("this.", StringComparison.Ordinal) ? Text(op).Substring(5) : Text(op);

    private Ex? Indexer(IPropertyReferenceOperation p)
    {
        var instance = p.Instance!;
        if (IsTensor(instance.Type))
        {
            var recv = E(instance);
            if (recv is null)
            {
                return null;
            }

            var items = new List<string>();
            foreach (var a in p.Arguments)
            {
                var values = a.ArgumentKind == ArgumentKind.ParamArray && a.Value is IArrayCreationOperation ac
                    ? ac.Initializer?.ElementValues.ToList() ?? new List<IOperation>()
                    : new List<IOperation> { a.Value };
                foreach (var v in values)
                {
                    var item = TensorIndexItem(v);
                    if (item is null)
                    {
                        return null;
                    }

                    items.Add(item);
                }
            }

            return new Ex($"__ir.Index({recv.Code}, {string.Join(", ", items)})", TsType.Tensor);
        }

        if (p.Arguments.Length == 1)
        {
            return ListIndex(instance, p.Arguments[0].Value, p);
        }

        Report(Descriptors.UnsupportedExpression, p, $"This indexer ({p.Property.ContainingType.Name}) is not supported in scripted code.");
        return null;
    }

    private Ex? ListIndex(IOperation instance, IOperation index, IOperation site)
    {
        var list = E(instance);
        var i = list?.Type.Kind == TsTypeKind.Dict ? E(index) : IndexValue(index);
        if (list is null || i is null)
        {
            return null;
        }

        if (list.Type.Kind == TsTypeKind.Dict)
        {
            if (i.Type.Kind != TsTypeKind.Str && !(i.Type.Kind == TsTypeKind.Optional && i.Type.Element.Kind == TsTypeKind.Str))
            {
                Report(Descriptors.UnsupportedExpression, index, $"A dict key must be a string (this one is {i.Type.Name}).");
                return null;
            }

            return new Ex($"__ir.Index({list.Code}, {i.Code})", list.Type.Items[1]);
        }

        if (list.Type.Kind == TsTypeKind.List && list.Type.Element.Kind == TsTypeKind.Optional && site.Type is { } itemType &&
            MapType(itemType, false) is { } plain && plain.Equals(list.Type.Element.Element) &&
            site.SemanticModel?.GetTypeInfo(site.Syntax, _ct).Nullability.FlowState != NullableFlowState.MaybeNull)
        {
            // An item of a List[Optional[T]] (torch.autograd.grad's result) used where C# sees a non-null T.
            return new Ex($"__ir.Cast({plain.Code}, __ir.Index({list.Code}, {i.Code}))", plain);
        }

        if (list.Type.Kind != TsTypeKind.List)
        {
            Report(Descriptors.UnsupportedExpression, site, $"Only tensors, Tensor[] / List<Tensor> and long[] values can be indexed in scripted code (this is {list.Type.Name}).");
            return null;
        }

        return new Ex($"__ir.Index({list.Code}, {i.Code})", list.Type.Element);
    }

    // An int index; ^k (from the end) becomes -k as in Python.
    private Ex? IndexValue(IOperation index)
    {
        var u = Unwrap(index);
        if (u is IUnaryOperation { OperatorKind: UnaryOperatorKind.Hat } hat)
        {
            if (hat.Operand.ConstantValue is { HasValue: true } cv)
            {
                var fromEnd = Convert.ToInt64(cv.Value, CultureInfo.InvariantCulture);
                if (fromEnd <= 0)
                {
                    // ^0 is one past the last item (C# throws); -0 would be the first item in TorchScript.
                    Report(Descriptors.UnsupportedExpression, index, $"The index ^{fromEnd} is past the end; the last item is ^1.");
                    return null;
                }

                return new Ex($"__ir.Int({-fromEnd})", TsType.Int);
            }

            var inner = E(hat.Operand);
            return inner is null ? null : new Ex($"__ir.Binary(__Ir.BinaryOp.Sub, __ir.Int(0), {inner.Code})", TsType.Int);
        }

        var ex = E(u);
        if (ex is not null && ex.Type.Kind != TsTypeKind.Int)
        {
            Report(Descriptors.UnsupportedExpression, index, $"An index must be an int (this one is {ex.Type.Name}).");
            return null;
        }

        return ex;
    }

    private string? TensorIndexItem(IOperation v)
    {
        var u = v;
        while (u is IConversionOperation c)
        {
            u = c.Operand;
        }

        if (u.ConstantValue is { HasValue: true, Value: null })
        {
            return "__ir.None";
        }

        switch (u)
        {
            case IRangeOperation r:
            {
                var start = r.LeftOperand is null ? null : IndexValue(r.LeftOperand);
                var stop = r.RightOperand is null ? null : IndexValue(r.RightOperand);
                if ((r.LeftOperand is not null && start is null) || (r.RightOperand is not null && stop is null))
                {
                    return null;
                }

                return $"__ir.Slice({start?.Code ?? "null"}, {stop?.Code ?? "null"})";
            }

            case IUnaryOperation { OperatorKind: UnaryOperatorKind.Hat }:
                return IndexValue(u)?.Code;
            case IMemberReferenceOperation { Instance: null } m when IsTensorIndex(m.Member.ContainingType):
                switch (m.Member.Name)
                {
                    case "Ellipsis":
                        return "__ir.Ellipsis";
                    case "Colon":
                        return "__ir.Slice()";
                    case "None":
                    case "Null":
                        return "__ir.None";
                }

                break;
            case IInvocationOperation inv when IsTensorIndex(inv.TargetMethod.ContainingType) && inv.TargetMethod.IsStatic:
                switch (inv.TargetMethod.Name)
                {
                    case "Slice":
                    {
                        var parts = new List<string>();
                        foreach (var a in inv.Arguments)
                        {
                            var av = Unwrap(a.Value);
                            if (a.ArgumentKind == ArgumentKind.DefaultValue || av.ConstantValue is { HasValue: true, Value: null })
                            {
                                parts.Add("null");
                                continue;
                            }

                            var e = IndexValue(av);
                            if (e is null)
                            {
                                return null;
                            }

                            parts.Add(e.Code);
                        }

                        return $"__ir.Slice({string.Join(", ", parts)})";
                    }

                    case "Single":
                        return inv.Arguments.Length == 1 ? IndexValue(inv.Arguments[0].Value)?.Code : null;
                    case "Ellipsis":
                        return "__ir.Ellipsis";
                    case "Colon":
                        return "__ir.Slice()";
                    case "None":
                        return "__ir.None";
                    case "Tensor":
                        return inv.Arguments.Length == 1 ? E(inv.Arguments[0].Value)?.Code : null;
                }

                break;
        }

        var ex = E(u);
        if (ex is null)
        {
            return null;
        }

        if (ex.Type.Kind is TsTypeKind.Int or TsTypeKind.Tensor)
        {
            return ex.Code;
        }

        Report(Descriptors.UnsupportedExpression, v, $"This tensor index ({ex.Type.Name}) is not supported in scripted code; use ints, ranges (a..b), TensorIndex.Ellipsis / Colon / None / Slice, or index tensors.");
        return null;
    }

    private bool IsTensorIndex(ITypeSymbol? t) => t is not null && _tensorIndex is not null && SymbolEqualityComparer.Default.Equals(t, _tensorIndex);

    private Ex? ArrayElement(IArrayElementReferenceOperation a)
    {
        if (a.Indices.Length == 1 && Unwrap(a.ArrayReference) is ILocalReferenceOperation arrayLocal && _m.Slots.TryGetValue(arrayLocal.Local, out var slot))
        {
            if (!IsConst(a.Indices[0]))
            {
                Report(Descriptors.UnsupportedExpression, a,
                    $"'{arrayLocal.Local.Name}' (new Tensor[n]) can only be indexed by values known when the module is scripted; use a List<Tensor> otherwise.");
                return null;
            }

            return new Ex($"__ir.Var({SlotName(slot.Name, a.Indices[0])})", TsType.Tensor);
        }

        if (a.Indices.Length != 1)
        {
            Report(Descriptors.UnsupportedExpression, a, "Multi-dimensional arrays are not supported in scripted code.");
            return null;
        }

        if (Unwrap(a.ArrayReference) is IPropertyReferenceOperation { Property.Name: "shape" } shape && shape.Instance is not null &&
            IsTensor(shape.Instance.Type) && !IsConst(shape))
        {
            var recv = E(shape.Instance);
            var i = IndexValue(a.Indices[0]);
            return recv is null || i is null ? null : new Ex($"__ir.Method({recv.Code}, \"size\", {i.Code})", TsType.Int);
        }

        return ListIndex(a.ArrayReference, a.Indices[0], a);
    }

    private Ex? Binary(IBinaryOperation bin)
    {
        var tensorOp = bin.OperatorMethod is not null && IsTensor(bin.OperatorMethod.ContainingType);
        if (bin.OperatorMethod is not null && !tensorOp)
        {
            Report(Descriptors.UnsupportedOperator, bin,
                $"The operator '{bin.OperatorMethod.Name}' of {bin.OperatorMethod.ContainingType.Name} is not supported in scripted code unless its operands come only from the module (then it is evaluated when the module is scripted).");
            return null;
        }

        if (bin.OperatorKind is BinaryOperatorKind.Equals or BinaryOperatorKind.NotEquals &&
            (IsNullLiteral(bin.LeftOperand) || IsNullLiteral(bin.RightOperand)))
        {
            var other = IsNullLiteral(bin.LeftOperand) ? bin.RightOperand : bin.LeftOperand;
            var v = E(other);
            return v is null ? null : new Ex($"({v.Code}).{(bin.OperatorKind == BinaryOperatorKind.Equals ? "IsNone" : "IsNotNone")}()", TsType.Bool);
        }

        if (bin.LeftOperand.Type?.SpecialType == SpecialType.System_String || bin.RightOperand.Type?.SpecialType == SpecialType.System_String)
        {
            if (bin.OperatorKind == BinaryOperatorKind.Add)
            {
                Report(Descriptors.Strings, bin,
                    "String concatenation is not supported in scripted code: TorchScript methods compute tensors, not text. Remove it (or build strings only from module fields, which are evaluated when the module is scripted).");
                return null;
            }
        }

        var l = E(bin.LeftOperand);
        var r = E(bin.RightOperand);
        if (l is null || r is null)
        {
            return null;
        }

        return BinaryCode(bin.OperatorKind, l, r, bin, bin.OperatorMethod);
    }

    private static bool IsNullLiteral(IOperation op) => Unwrap(op).ConstantValue is { HasValue: true, Value: null };

    private Ex? BinaryCode(BinaryOperatorKind kind, Ex l, Ex r, IOperation site, IMethodSymbol? method)
    {
        string? op = kind switch
        {
            BinaryOperatorKind.Add => "Add",
            BinaryOperatorKind.Subtract => "Sub",
            BinaryOperatorKind.Multiply => "Mul",
            BinaryOperatorKind.Divide => "Div",
            BinaryOperatorKind.Remainder => "Mod",
            BinaryOperatorKind.And => "BitAnd",
            BinaryOperatorKind.Or => "BitOr",
            BinaryOperatorKind.ExclusiveOr => "BitXor",
            BinaryOperatorKind.ConditionalAnd => "And",
            BinaryOperatorKind.ConditionalOr => "Or",
            BinaryOperatorKind.Equals => "Eq",
            BinaryOperatorKind.NotEquals => "Ne",
            BinaryOperatorKind.LessThan => "Lt",
            BinaryOperatorKind.LessThanOrEqual => "Le",
            BinaryOperatorKind.GreaterThan => "Gt",
            BinaryOperatorKind.GreaterThanOrEqual => "Ge",
            _ => null,
        };
        if (op is null)
        {
            Report(Descriptors.UnsupportedOperator, site, $"The operator {kind} is not supported in scripted code (no shifts); see docs/scripting-subset.md.");
            return null;
        }

        string Code(string o, string a, string b) => $"__ir.Binary(__Ir.BinaryOp.{o}, {a}, {b})";
        var tensor = l.Type.Kind == TsTypeKind.Tensor || r.Type.Kind == TsTypeKind.Tensor;
        if (tensor)
        {
            var otherOk = (l.Type.Kind == TsTypeKind.Tensor || l.Type.IsNumber) && (r.Type.Kind == TsTypeKind.Tensor || r.Type.IsNumber);
            if (!otherOk || op is "And" or "Or")
            {
                Report(Descriptors.UnsupportedOperator, site, $"The operator {kind} is not supported between {l.Type.Name} and {r.Type.Name} in scripted code.");
                return null;
            }

            return new Ex(Code(op, l.Code, r.Code), TsType.Tensor);
        }

        var comparison = op is "Eq" or "Ne" or "Lt" or "Le" or "Gt" or "Ge";
        if (l.Type.Kind == TsTypeKind.Bool && r.Type.Kind == TsTypeKind.Bool && op is "And" or "Or" or "BitAnd" or "BitOr" or "BitXor" or "Eq" or "Ne")
        {
            return new Ex(Code(op, l.Code, r.Code), TsType.Bool);
        }

        if (l.Type.Kind == TsTypeKind.Str && r.Type.Kind == TsTypeKind.Str && op is "Eq" or "Ne")
        {
            return new Ex(Code(op, l.Code, r.Code), TsType.Bool);
        }

        if (!l.Type.IsNumber || !r.Type.IsNumber || op is "And" or "Or")
        {
            Report(Descriptors.UnsupportedOperator, site, $"The operator {kind} is not supported between {l.Type.Name} and {r.Type.Name} in scripted code.");
            return null;
        }

        if (comparison)
        {
            return new Ex(Code(op, l.Code, r.Code), TsType.Bool);
        }

        var ints = l.Type.Kind == TsTypeKind.Int && r.Type.Kind == TsTypeKind.Int;
        if (op is "BitAnd" or "BitOr" or "BitXor" && !ints)
        {
            Report(Descriptors.UnsupportedOperator, site, $"The operator {kind} needs ints, bools or tensors.");
            return null;
        }

        if (op == "Div" && ints)
        {
            // C# truncates toward zero; Python's // floors. int(a / b) truncates like C#.
            return new Ex($"__ir.Builtin(\"int\", {Code("Div", l.Code, r.Code)})", TsType.Int);
        }

        if (op == "Mod")
        {
            if (!ints)
            {
                Report(Descriptors.UnsupportedOperator, site, "'%' on floats is not supported in scripted code (C# and TorchScript disagree on the sign); use torch.remainder / torch.fmod on tensors.");
                return null;
            }

            // C#'s remainder has the sign of the dividend: a - b * int(a / b).
            return new Ex(Code("Sub", l.Code, Code("Mul", r.Code, $"__ir.Builtin(\"int\", {Code("Div", l.Code, r.Code)})")), TsType.Int);
        }

        return new Ex(Code(op, l.Code, r.Code), ints ? TsType.Int : TsType.Float);
    }

    private Ex? Unary(IUnaryOperation u)
    {
        if (u.OperatorKind == UnaryOperatorKind.Plus)
        {
            return E(u.Operand);
        }

        var v = E(u.Operand);
        if (v is null)
        {
            return null;
        }

        switch (u.OperatorKind)
        {
            case UnaryOperatorKind.Minus when v.Type.Kind is TsTypeKind.Tensor or TsTypeKind.Int or TsTypeKind.Float:
                return new Ex($"new __Ir.UnaryExpr(__Ir.UnaryOp.Neg, {v.Code})", v.Type);
            case UnaryOperatorKind.Not when v.Type.Kind == TsTypeKind.Bool:
                return new Ex($"__ir.Not({v.Code})", TsType.Bool);
            case UnaryOperatorKind.BitwiseNegation when v.Type.Kind == TsTypeKind.Tensor:
                return new Ex($"new __Ir.UnaryExpr(__Ir.UnaryOp.BitNot, {v.Code})", TsType.Tensor);
        }

        Report(Descriptors.UnsupportedOperator, u, $"The unary operator {u.OperatorKind} is not supported on {v.Type.Name} in scripted code.");
        return null;
    }

    private Ex? Ternary(IConditionalOperation c)
    {
        if (c.WhenFalse is null || c.IsRef)
        {
            return null;
        }

        var a = E(c.WhenTrue);
        var b = E(c.WhenFalse);
        if (a is null || b is null)
        {
            return null;
        }

        var type = a.Type.Equals(b.Type) ? a.Type
            : b.Type.Kind == TsTypeKind.None && a.Type.Kind == TsTypeKind.Optional ? a.Type
            : a.Type.Kind == TsTypeKind.None && b.Type.Kind == TsTypeKind.Optional ? b.Type
            : null;
        if (type is null)
        {
            Report(Descriptors.UnsupportedExpression, c, $"Both branches of '?:' must have the same TorchScript type (here {a.Type.Name} and {b.Type.Name}); convert one (e.g. 2.0 instead of 2).");
            return null;
        }

        if (IsConst(c.Condition))
        {
            return new Ex($"(({Text(c.Condition)}) ? (__Ir.Expr)({a.Code}) : (__Ir.Expr)({b.Code}))", type);
        }

        var cond = Condition(c.Condition);
        return cond is null ? null : new Ex($"__ir.Cond({cond.Code}, {a.Code}, {b.Code})", type);
    }

    private Ex? Conversion(IConversionOperation c)
    {
        var operand = c.Operand;
        var to = c.Type;
        var from = operand.Type;
        if (IsScalar(to))
        {
            return E(operand);
        }

        if (to is not null && IsTensor(to))
        {
            if (from is null || IsTensor(from))
            {
                return E(operand);
            }

            Report(Descriptors.TensorFromNumber, c,
                $"This implicitly converts a {from.ToDisplayString()} to a Tensor, which creates a tensor; pass the number where the operator takes a scalar (e.g. 'x * 2.0', 'x.clamp_min(0.0)'), or write torch.full_like(x, value).");
            return null;
        }

        if (from is not null && IsTensor(from))
        {
            var target = MapType(to!, false);
            var fn = target?.Kind switch
            {
                TsTypeKind.Bool => "bool",
                TsTypeKind.Float => "float",
                TsTypeKind.Int => "int",
                _ => null,
            };
            var v = fn is null ? null : E(operand);
            if (fn is null)
            {
                Report(Descriptors.UnsupportedType, c, $"A Tensor cannot be converted to {to?.ToDisplayString()} in scripted code.");
                return null;
            }

            return v is null ? null : new Ex($"__ir.Builtin(\"{fn}\", {v.Code})", target!);
        }

        if (operand is ITupleOperation)
        {
            return E(operand);
        }

        var inner = E(operand);
        if (inner is null || to is null)
        {
            return inner;
        }

        var tt = MapType(to, to.NullableAnnotation == NullableAnnotation.Annotated);
        if (tt is null)
        {
            Report(Descriptors.UnsupportedType, c, $"A conversion to {to.ToDisplayString()} is not supported in scripted code; use {SupportedTypes}.");
            return null;
        }

        if (tt.Equals(inner.Type) || (tt.Kind == TsTypeKind.Optional && (tt.Element.Equals(inner.Type) || inner.Type.Kind == TsTypeKind.None)))
        {
            return new Ex(inner.Code, tt.Kind == TsTypeKind.Optional ? inner.Type : tt);
        }

        if (tt.Kind == TsTypeKind.Float && inner.Type.Kind == TsTypeKind.Int)
        {
            return new Ex($"__ir.Builtin(\"float\", {inner.Code})", TsType.Float);
        }

        if (tt.Kind == TsTypeKind.Int && inner.Type.Kind == TsTypeKind.Float)
        {
            return new Ex($"__ir.Builtin(\"int\", {inner.Code})", TsType.Int);
        }

        Report(Descriptors.UnsupportedType, c, $"A conversion from {inner.Type.Name} to {tt.Name} is not supported in scripted code.");
        return null;
    }

    private Ex? Tuple(ITupleOperation t)
    {
        var items = new List<Ex>();
        foreach (var e in t.Elements)
        {
            var x = E(e);
            if (x is null)
            {
                return null;
            }

            items.Add(x);
        }

        return new Ex($"__ir.Tuple({string.Join(", ", items.Select(i => i.Code))})", TsType.Tuple(items.Select(i => i.Type)));
    }

    private Ex? ArrayCreation(IArrayCreationOperation ac)
    {
        if (ac.Initializer is null)
        {
            Report(Descriptors.ObjectCreation, ac,
                "Arrays of a given size cannot be created in scripted code; start from 'new List<Tensor>()' and Add the items (or write 'new[] { a, b }').");
            return null;
        }

        return ListOf(ac.Initializer.ElementValues, ac.Type, ac);
    }

    private Ex? ListOf(IEnumerable<IOperation> elements, ITypeSymbol? type, IOperation site)
    {
        var listType = type is null ? null : MapType(type, false);
        if (listType is not { Kind: TsTypeKind.List })
        {
            Report(Descriptors.UnsupportedType, site, $"A collection of type {type?.ToDisplayString()} is not supported in scripted code; use Tensor[] / List<Tensor> or long[].");
            return null;
        }

        var items = new List<string>();
        foreach (var e in elements)
        {
            if (e is ISpreadOperation)
            {
                Report(Descriptors.UnsupportedExpression, e, "Spreads ('..xs') are not supported in scripted code.");
                return null;
            }

            var x = E(e);
            if (x is null)
            {
                return null;
            }

            items.Add(x.Code);
        }

        return new Ex(items.Count == 0 ? $"__ir.ListOf({listType.Element.Code})" : $"__ir.ListOf({listType.Element.Code}, {string.Join(", ", items)})", listType);
    }

    private Ex? ObjectCreation(IObjectCreationOperation oc)
    {
        var type = oc.Type is null ? null : MapType(oc.Type, false);
        if (type is { Kind: TsTypeKind.List } && oc.Type is INamedTypeSymbol { Name: "List" })
        {
            var items = new List<IOperation>();
            if (oc.Initializer is { } init)
            {
                foreach (var i in init.Initializers)
                {
                    if (i is IInvocationOperation { TargetMethod.Name: "Add" } add && add.Arguments.Length == 1)
                    {
                        items.Add(add.Arguments[0].Value);
                    }
                    else
                    {
                        Report(Descriptors.ObjectCreation, i, "Only 'new List<Tensor> { a, b }' initializers are supported in scripted code.");
                        return null;
                    }
                }
            }

            if (oc.Arguments.Any(a => a.Value.Type is not null && MapType(a.Value.Type, false)?.Kind == TsTypeKind.List))
            {
                Report(Descriptors.ObjectCreation, oc, "'new List<Tensor>(items)' is not supported in scripted code; write 'new List<Tensor> { a, b }' or Add the items.");
                return null;
            }

            return ListOf(items, oc.Type, oc);
        }

        if (type is { Kind: TsTypeKind.Dict } && oc.Type is INamedTypeSymbol { Name: "Dictionary" })
        {
            return DictOf(oc, type);
        }

        Report(Descriptors.ObjectCreation, oc,
            $"Creating a {oc.Type?.ToDisplayString()} is not supported in scripted code; only 'new List<Tensor>()', 'new Dictionary<string, Tensor> {{ [\"key\"] = x }}' and array initializers ('new[] {{ a, b }}') are. Create objects in the constructor and keep them in fields.");
        return null;
    }

    // new Dictionary<string, T> { ["k"] = v, ... } or { { "k", v }, ... }: a dict literal.
    private Ex? DictOf(IObjectCreationOperation oc, TsType type)
    {
        if (oc.Arguments.Any(a => a.ArgumentKind != ArgumentKind.DefaultValue))
        {
            Report(Descriptors.ObjectCreation, oc, "'new Dictionary<string, T>(...)' with constructor arguments is not supported in scripted code; write 'new Dictionary<string, T> { [\"key\"] = value }'.");
            return null;
        }

        var keys = new List<string>();
        var values = new List<string>();
        foreach (var i in oc.Initializer?.Initializers ?? Enumerable.Empty<IOperation>())
        {
            IOperation? key = null, value = null;
            switch (i)
            {
                case ISimpleAssignmentOperation { Target: IPropertyReferenceOperation { Arguments.Length: 1 } p } a:
                    key = p.Arguments[0].Value;
                    value = a.Value;
                    break;
                case IInvocationOperation { TargetMethod.Name: "Add", Arguments.Length: 2 } add:
                    key = add.Arguments[0].Value;
                    value = add.Arguments[1].Value;
                    break;
            }

            if (key is null || value is null)
            {
                Report(Descriptors.ObjectCreation, i, "Only 'new Dictionary<string, T> { [\"key\"] = value }' (or '{ { \"key\", value } }') initializers are supported in scripted code.");
                return null;
            }

            var k = E(key);
            var v = E(value);
            if (k is null || v is null)
            {
                return null;
            }

            keys.Add(k.Code);
            values.Add(v.Code);
        }

        return new Ex($"new __Ir.DictExpr(new __Ir.Expr[] {{ {string.Join(", ", keys)} }}, new __Ir.Expr[] {{ {string.Join(", ", values)} }}, {type.Items[0].Code}, {type.Items[1].Code})", type);
    }

    private Ex? IsPattern(IIsPatternOperation ip)
    {
        var negated = ip.Pattern is INegatedPatternOperation;
        var pattern = ip.Pattern is INegatedPatternOperation n ? n.Pattern : ip.Pattern;
        if (pattern is IConstantPatternOperation cp && IsNullLiteral(cp.Value))
        {
            var v = E(ip.Value);
            return v is null ? null : new Ex($"({v.Code}).{(negated ? "IsNotNone" : "IsNone")}()", TsType.Bool);
        }

        Report(Descriptors.UnsupportedOperator, ip, "Only 'x is null' and 'x is not null' patterns are supported in scripted code; use == and if/else for other tests.");
        return null;
    }

    private Ex? LiteralOf(object? value, ITypeSymbol? type)
    {
        switch (value)
        {
            case null:
                return new Ex("__ir.None", TsType.None);
            case bool b:
                return new Ex($"__ir.Bool({(b ? "true" : "false")})", TsType.Bool);
            case string s:
                return new Ex($"__ir.Str({Literal(s)})", TsType.Str);
            case double d:
                return new Ex($"__ir.Float({FormatDouble(d)})", TsType.Float);
            case float f:
                return new Ex($"__ir.Float({FormatDouble(double.Parse(f.ToString("R", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture))})", TsType.Float);
            case int or long or short or byte or sbyte or ushort or uint:
                return new Ex($"__ir.Int({Convert.ToInt64(value, CultureInfo.InvariantCulture)}L)", TsType.Int);
            default:
                return null;
        }
    }

    private static string FormatDouble(double d)
    {
        if (double.IsPositiveInfinity(d))
        {
            return "double.PositiveInfinity";
        }

        if (double.IsNegativeInfinity(d))
        {
            return "double.NegativeInfinity";
        }

        if (double.IsNaN(d))
        {
            return "double.NaN";
        }

        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.IndexOfAny(new[] { '.', 'E', 'e' }) < 0 ? s + ".0" : s;
    }

    private TsType? MapType(ITypeSymbol t, bool nullable)
    {
        if (IsTensor(t))
        {
            return nullable ? IrCoreExtensions.OptionalOf(TsType.Tensor) : TsType.Tensor;
        }

        if (IsScalarTypeEnum(t))
        {
            return TsType.Int;
        }

        TsType? basic = t.SpecialType switch
        {
            SpecialType.System_Int16 or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Byte or
                SpecialType.System_SByte or SpecialType.System_UInt16 => TsType.Int,
            SpecialType.System_Double or SpecialType.System_Single => TsType.Float,
            SpecialType.System_Boolean => TsType.Bool,
            SpecialType.System_String => TsType.Str,
            _ => null,
        };
        if (basic is not null)
        {
            return nullable && basic.Kind == TsTypeKind.Str ? IrCoreExtensions.OptionalOf(basic) : basic;
        }

        if (t is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n)
        {
            var inner = MapType(n.TypeArguments[0], false);
            return inner is null ? null : IrCoreExtensions.OptionalOf(inner);
        }

        if (t is IArrayTypeSymbol { Rank: 1 } a)
        {
            var e = MapType(a.ElementType, false);
            return e is null ? null : TsType.List(e);
        }

        if (t is INamedTypeSymbol { IsTupleType: true } tuple)
        {
            var items = tuple.TupleElements.Select(el => MapType(el.Type, el.NullableAnnotation == NullableAnnotation.Annotated)).ToList();
            return items.Any(i => i is null) ? null : TsType.Tuple(items!);
        }

        if (t is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 2 } d &&
            d.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic" &&
            d.Name is "Dictionary" or "IDictionary" or "IReadOnlyDictionary" &&
            d.TypeArguments[0].SpecialType == SpecialType.System_String)
        {
            var v = MapType(d.TypeArguments[1], false);
            return v is null ? null : TsType.Dict(v);
        }

        if (t is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } g &&
            g.ContainingNamespace?.ToDisplayString() == "System.Collections.Generic" &&
            g.Name is "List" or "IList" or "IReadOnlyList" or "ICollection" or "IReadOnlyCollection" or "IEnumerable")
        {
            var e = MapType(g.TypeArguments[0], false);
            return e is null ? null : TsType.List(e);
        }

        return null;
    }

    private string DeclareName(ISymbol s)
    {
        if (_m.Names.TryGetValue(s, out var existing))
        {
            return existing;
        }

        var name = FreshName(s.Name);
        _m.Names[s] = name;
        return name;
    }

    private string NameOf(ISymbol s) => DeclareName(s);

    private string FreshName(string baseName)
    {
        var chars = baseName.Select(c => c < 128 && (char.IsLetterOrDigit(c) || c == '_') ? c : '_').ToArray();
        var b = chars.Length == 0 ? "v" : new string(chars);
        if (ReservedNames.Contains(b))
        {
            b += "_";
        }

        var name = b;
        for (var i = 1; !_m.Used.Add(name); i++)
        {
            name = $"{b}_{i}";
        }

        return name;
    }

    private static IOperation Unwrap(IOperation op)
    {
        while (true)
        {
            switch (op)
            {
                case IConversionOperation { IsImplicit: true } c:
                    op = c.Operand;
                    continue;
                case IParenthesizedOperation p:
                    op = p.Operand;
                    continue;
                default:
                    return op;
            }
        }
    }

    private static string Text(IOperation op) => op.Syntax.ToString();

    private static string OneLine(string s) => string.Join(" ", s.Split(new[] { '\r', '\n' }, StringSplitOptions.RemoveEmptyEntries).Select(x => x.Trim()));
}
