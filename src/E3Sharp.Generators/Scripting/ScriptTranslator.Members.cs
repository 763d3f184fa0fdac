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

/// <summary>Member reads, indexers and tensor indexing.</summary>
internal sealed partial class ScriptTranslator
{
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
}
