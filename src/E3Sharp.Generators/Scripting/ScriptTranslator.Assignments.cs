using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>Expression statements, assignments, item assignments and deconstruction.</summary>
internal sealed partial class ScriptTranslator
{
    private void ExpressionStatement(IOperation e, string b)
    {
        switch (e)
        {
            case ISimpleAssignmentOperation a:
                Assign(a.Target, a.Value, a, b);
                return;
            case ICompoundAssignmentOperation ca:
            {
                if (AssignTarget(ca.Target, ca) is not { } target)
                {
                    return;
                }

                var left = new Ex($"__ir.Var({Literal(target.Name)})", target.Type);
                var right = E(ca.Value);
                if (right is null)
                {
                    return;
                }

                var code = BinaryCode(ca.OperatorKind, left, right, ca, ca.OperatorMethod);
                if (code is not null)
                {
                    MarkAssigned(target.Symbol, ca);
                    _w.Line($"{b}.Assign({Literal(target.Name)}, {code.Code});");
                }

                return;
            }

            case IIncrementOrDecrementOperation inc:
            {
                if (AssignTarget(inc.Target, inc) is not { } target)
                {
                    return;
                }

                if (target.Type.Kind != TsTypeKind.Int)
                {
                    Report(Descriptors.UnsupportedOperator, inc, "++ and -- are supported on int locals only; write 'x = x + 1.0' for floats.");
                    return;
                }

                var op = inc.Kind == OperationKind.Increment ? "Add" : "Sub";
                MarkAssigned(target.Symbol, inc);
                _w.Line($"{b}.Assign({Literal(target.Name)}, __ir.Binary(__Ir.BinaryOp.{op}, __ir.Var({Literal(target.Name)}), __ir.Int(1)));");
                return;
            }

            case IDeconstructionAssignmentOperation d:
                Deconstruct(d, b);
                return;
            case IInvocationOperation inv when IsEagerOnly(inv.TargetMethod):
                _w.Line($"// {inv.TargetMethod.Name}(...) is [EagerOnly]: not part of the script");
                return;
            case IInvocationOperation inv when IsTensor(inv.TargetMethod.ContainingType) && inv.TargetMethod.Name == "Dispose":
                return;
        }

        var ex = E(e);
        if (ex is not null)
        {
            _w.Line($"{b}.Do({ex.Code});");
        }
    }

    private bool IsEagerOnly(IMethodSymbol m) =>
        _eagerOnly is not null && m.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _eagerOnly));

    private sealed class Target
    {
        public Target(ISymbol symbol, string name, TsType type)
        {
            Symbol = symbol;
            Name = name;
            Type = type;
        }

        public ISymbol Symbol { get; }

        public string Name { get; }

        public TsType Type { get; }
    }

    private Target? AssignTarget(IOperation target, IOperation site)
    {
        switch (Unwrap(target))
        {
            case ILocalReferenceOperation l when _m.CompileTime.Contains(l.Local):
                Report(Descriptors.StateAssignment, site,
                    $"'{l.Local.Name}' is evaluated when the module is scripted (a loop over module state or a module-derived value) and cannot be assigned in scripted code; use another local.");
                return null;
            case ILocalReferenceOperation l:
                return _m.Types.TryGetValue(l.Local, out var lt) ? new Target(l.Local, NameOf(l.Local), lt) : null;
            case IParameterReferenceOperation p:
                return _m.Types.TryGetValue(p.Parameter, out var pt) ? new Target(p.Parameter, NameOf(p.Parameter), pt) : null;
            case IFieldReferenceOperation f:
                Report(Descriptors.StateAssignment, site,
                    $"Scripted code cannot assign the field '{f.Field.Name}': TorchScript forward methods do not change module state. Assign to a local instead (fields are read when the module is scripted).");
                return null;
            case IPropertyReferenceOperation p when p.Arguments.Length == 0:
                Report(Descriptors.StateAssignment, site,
                    $"Scripted code cannot assign the property '{p.Property.Name}': TorchScript forward methods do not change module state. Assign to a local instead.");
                return null;
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer
                when MapType(indexer.Property.ContainingType, false)?.Kind is TsTypeKind.Dict or TsTypeKind.List:
                Report(Descriptors.UnsupportedExpression, site,
                    "Compound item assignment (d[key] += v) is not supported in scripted code; write 'd[key] = d[key] + v'.");
                return null;
            case IPropertyReferenceOperation or IArrayElementReferenceOperation:
                Report(Descriptors.UnsupportedExpression, site,
                    "Element assignment (x[i] = v) is not supported in scripted code: tensors are not written in place. Build the result with torch.cat, torch.stack or torch.where, or collect tensors in a List<Tensor> with Add.");
                return null;
            default:
                Report(Descriptors.UnsupportedExpression, site,
                    "Only locals and parameters can be assigned in scripted code.");
                return null;
        }
    }

    private void MarkAssigned(ISymbol symbol, IOperation site)
    {
        if (_m.Assigned.Add(symbol) && _m.Uninitialized.TryGetValue(symbol, out var depth) && _m.RuntimeLoopDepth > depth)
        {
            Report(Descriptors.AssignedInLoop, site,
                $"Local '{symbol.Name}' is first assigned inside a loop; TorchScript does not see such a variable after the loop. Initialize it where it is declared.");
        }
    }

    private void Assign(IOperation targetOp, IOperation valueOp, IOperation site, string b)
    {
        if (Unwrap(targetOp) is IArrayElementReferenceOperation { Indices.Length: 1 } element &&
            Unwrap(element.ArrayReference) is ILocalReferenceOperation arrayLocal && _m.Slots.TryGetValue(arrayLocal.Local, out var slot))
        {
            if (!IsConst(element.Indices[0]))
            {
                Report(Descriptors.UnsupportedExpression, site,
                    $"'{arrayLocal.Local.Name}' (new Tensor[n]) can only be indexed by values known when the module is scripted (loop variables of loops over module state, constants); use a List<Tensor> and Add otherwise.");
                return;
            }

            if (_m.BlockDepth > slot.Depth)
            {
                Report(Descriptors.AssignedInLoop, site,
                    $"Elements of '{arrayLocal.Local.Name}' (new Tensor[n]) must be assigned outside if/loop bodies that run in TorchScript (TorchScript does not see variables first assigned there); compute the value in a local first.");
                return;
            }

            var value = E(valueOp);
            if (value is not null)
            {
                _w.Line($"{b}.Assign({SlotName(slot.Name, element.Indices[0])}, {value.Code});");
            }

            return;
        }

        if (Unwrap(targetOp) is IDiscardOperation)
        {
            var d = E(valueOp);
            if (d is not null)
            {
                _w.Line($"{b}.Do({d.Code});");
            }

            return;
        }

        if (Unwrap(targetOp) is IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1, Instance: { } container } item
            && MapType(item.Property.ContainingType, false)?.Kind is TsTypeKind.Dict or TsTypeKind.List)
        {
            SetItem(container, item.Arguments[0].Value, valueOp, site, b);
            return;
        }

        if (Unwrap(targetOp) is IImplicitIndexerReferenceOperation implicitItem                      // list[^1] = v
            && implicitItem.Instance.Type is { } listType && MapType(listType, false)?.Kind is TsTypeKind.List)
        {
            SetItem(implicitItem.Instance, implicitItem.Argument, valueOp, site, b);
            return;
        }

        if (AssignTarget(targetOp, site) is not { } target)
        {
            return;
        }

        var ex = E(valueOp);
        if (ex is null)
        {
            return;
        }

        var first = !_m.Assigned.Contains(target.Symbol);
        MarkAssigned(target.Symbol, site);
        EmitAssign(b, target.Name, target.Type, ex, declare: first);
    }

    // d[key] = v or list[i] = v on a local Dictionary<string, T> or List<T> that the method creates: TorchScript's item
    // assignment, which changes the dict or list in place as the C# indexer does. Only such locals: a dict or list
    // fixed when the module is scripted (a field, or a value computed from fields) is written into the script as a copy
    // wherever it is used, so a change made through another name (a parameter, an alias) would not be seen there.
    private void SetItem(IOperation containerOp, IOperation indexOp, IOperation valueOp, IOperation site, string b)
    {
        if (Unwrap(containerOp) is not ILocalReferenceOperation l || _m.CompileTime.Contains(l.Local) || !OnlyCreatedHere(l.Local))
        {
            Report(Descriptors.StateAssignment, site,
                "Item assignment (d[key] = v, list[i] = v) is supported on a local dictionary or list that this method creates (new Dictionary<string, T> { ... }, new List<T> { ... }, [ ... ]) and assigns nothing else: a field, a parameter, or a value fixed when the module is scripted is written into the script as a copy, so the change would not be seen where it is read. Build a new dictionary or list in a local.");
            return;
        }

        var container = E(containerOp);
        if (container is null)
        {
            return;
        }

        var isDict = container.Type.Kind == TsTypeKind.Dict;
        var index = isDict ? E(indexOp) : IndexValue(indexOp);
        var value = E(valueOp);
        if (index is null || value is null)
        {
            return;
        }

        if (isDict && index.Type.Kind != TsTypeKind.Str)
        {
            Report(Descriptors.UnsupportedExpression, indexOp, $"A dict key must be a string (this one is {index.Type.Name}).");
            return;
        }

        var element = isDict ? container.Type.Items[1] : container.Type.Element;
        if (!value.Type.Equals(element) && !(element.Kind == TsTypeKind.Optional && element.Element.Equals(value.Type)))
        {
            Report(Descriptors.UnsupportedExpression, valueOp, $"A {value.Type.Name} cannot be stored in a {container.Type.Name}.");
            return;
        }

        _w.Line($"{b}.SetItem({container.Code}, {index.Code}, {value.Code});");
    }

    private void Deconstruct(IDeconstructionAssignmentOperation d, string b)
    {
        var targetOp = d.Target is IDeclarationExpressionOperation de ? de.Expression : d.Target;
        if (targetOp is not ITupleOperation tuple)
        {
            Report(Descriptors.UnsupportedExpression, d, "Only deconstruction into locals ('var (a, b) = ...') is supported.");
            return;
        }

        var names = new List<string>();
        foreach (var el in tuple.Elements)
        {
            var u = Unwrap(el);
            if (u is IDiscardOperation)
            {
                names.Add(FreshName("_unused"));
                continue;
            }

            if (u is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation dl })
            {
                u = dl;
            }

            if (u is ILocalReferenceOperation l && !_m.Names.ContainsKey(l.Local))
            {
                var t = MapType(l.Local.Type, false);
                if (t is null)
                {
                    Report(Descriptors.UnsupportedType, el, $"Local '{l.Local.Name}' has type {l.Local.Type.ToDisplayString()}, which TorchScript cannot hold; use {SupportedTypes}.");
                    return;
                }

                DeclareName(l.Local);
                _m.Types[l.Local] = t;
            }

            if (AssignTarget(u, el) is not { } target)
            {
                return;
            }

            MarkAssigned(target.Symbol, el);
            names.Add(target.Name);
        }

        var value = E(d.Value);
        if (value is null)
        {
            return;
        }

        if (value.Type.Kind != TsTypeKind.Tuple || value.Type.Items.Count != names.Count)
        {
            Report(Descriptors.UnsupportedExpression, d.Value, $"Only tuples can be deconstructed in scripted code (this value is {value.Type.Name}).");
            return;
        }

        _w.Line($"{b}.Unpack(new string[] {{ {string.Join(", ", names.Select(Literal))} }}, {value.Code});");
    }
}
