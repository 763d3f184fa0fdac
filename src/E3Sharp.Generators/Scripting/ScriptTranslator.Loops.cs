using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

internal sealed partial class ScriptTranslator
{
    private void For(IForLoopOperation f, string b)
    {
        var at = f.Syntax is ForStatementSyntax fs ? fs.ForKeyword.GetLocation() : f.Syntax.GetLocation();
        const string Hint = "Scripted for loops must have the form 'for (int i = start; i < end; i++)' (or <=, >, >= with i++, i--, i += k, i -= k for a constant k) and must not assign i or the variables of the bound in the body; write a while loop for anything else.";
        if (f.Before.Length != 1 || f.Before[0] is not IVariableDeclarationGroupOperation g ||
            g.Declarations.Length != 1 || g.Declarations[0].Declarators.Length != 1 ||
            f.AtLoopBottom.Length != 1 || f.Condition is null)
        {
            Report(Descriptors.NonCanonicalFor, at, Hint);
            return;
        }

        var declarator = g.Declarations[0].Declarators[0];
        var v = declarator.Symbol;
        var start = declarator.Initializer?.Value ?? g.Declarations[0].Initializer?.Value;
        if (start is null || MapType(v.Type, false) is not { Kind: TsTypeKind.Int } ||
            Unwrap(f.Condition) is not IBinaryOperation cond || !IsLocal(cond.LeftOperand, v) ||
            cond.OperatorKind is not (BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual or
                BinaryOperatorKind.GreaterThan or BinaryOperatorKind.GreaterThanOrEqual) ||
            References(cond.RightOperand, v) || IsAssignedIn(f.Body, v) ||
            cond.RightOperand.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Any(l => IsAssignedIn(f.Body, l.Local)) ||
            cond.RightOperand.DescendantsAndSelf().OfType<IParameterReferenceOperation>().Any(p => IsAssignedIn(f.Body, p.Parameter)))
        {
            Report(Descriptors.NonCanonicalFor, at, Hint);
            return;
        }

        long? step = null;
        var bottom = f.AtLoopBottom[0] is IExpressionStatementOperation es ? es.Operation : f.AtLoopBottom[0];
        switch (bottom)
        {
            case IIncrementOrDecrementOperation inc when IsLocal(inc.Target, v):
                step = inc.Kind == OperationKind.Increment ? 1 : -1;
                break;
            case ICompoundAssignmentOperation ca when IsLocal(ca.Target, v) && ca.Value.ConstantValue is { HasValue: true } cv &&
                                                       ca.OperatorKind is BinaryOperatorKind.Add or BinaryOperatorKind.Subtract:
                step = System.Convert.ToInt64(cv.Value) * (ca.OperatorKind == BinaryOperatorKind.Add ? 1 : -1);
                break;
        }

        var ascending = cond.OperatorKind is BinaryOperatorKind.LessThan or BinaryOperatorKind.LessThanOrEqual;
        if (step is null || step == 0 || (step > 0) != ascending)
        {
            Report(Descriptors.NonCanonicalFor, at, Hint);
            return;
        }

        if (IsConst(start) && IsConst(cond.RightOperand) && NeedsUnroll(f.Body, v))
        {
            var syntax = (ForStatementSyntax)f.Syntax;
            _m.CompileTime.Add(v);
            _w.Line("// loop over module state: unrolled when the module is scripted");
            _w.Open($"for ({syntax.Declaration}; {syntax.Condition}; {string.Join(", ", syntax.Incrementors)})");
            _m.Loops.Add(true);
            Stmt(f.Body, b);
            _m.Loops.RemoveAt(_m.Loops.Count - 1);
            _w.Close();
            return;
        }

        var s = E(start);
        var end = E(cond.RightOperand);
        if (s is null || end is null)
        {
            return;
        }

        var endCode = cond.OperatorKind switch
        {
            BinaryOperatorKind.LessThanOrEqual => $"__ir.Binary(__Ir.BinaryOp.Add, {end.Code}, __ir.Int(1))",
            BinaryOperatorKind.GreaterThanOrEqual => $"__ir.Binary(__Ir.BinaryOp.Sub, {end.Code}, __ir.Int(1))",
            _ => end.Code,
        };
        var name = DeclareName(v);
        _m.Types[v] = TsType.Int;
        _m.Assigned.Add(v);
        var body = NewVar("s");
        _w.Line(start.ConstantValue is { HasValue: true, Value: 0 or 0L } && step == 1
            ? $"{b}.ForRange({Literal(name)}, {endCode},"
            : $"{b}.ForRange({Literal(name)}, {s.Code}, {endCode}, {(step == 1 ? "null" : $"__ir.Int({step})")},");
        _w.Indent++;
        _m.Loops.Add(false);
        Lambda(body, () => Stmt(f.Body, body), ");");
        _m.Loops.RemoveAt(_m.Loops.Count - 1);
        _w.Indent--;
    }

    private void ForEach(IForEachLoopOperation f, string b)
    {
        var collection = Unwrap(f.Collection);
        if (collection is IInvocationOperation { TargetMethod.Name: "unbind", Instance: { } rows } unbind && IsTensor(rows.Type) &&
            unbind.Arguments.All(a => a.ArgumentKind == ArgumentKind.DefaultValue || a.Value.ConstantValue is { HasValue: true, Value: 0 or 0L }))
        {
            // foreach (var row in x.unbind()) iterates the rows: TorchScript 'for row in x'.
            collection = rows;
        }

        var at = f.Syntax is CommonForEachStatementSyntax fs ? fs.ForEachKeyword.GetLocation() : f.Syntax.GetLocation();
        var isTensor = IsTensor(collection.Type);
        var listType = isTensor ? null : MapType(collection.Type!, false);
        if (!isTensor && IsConst(collection))
        {
            // foreach over module state: unrolled when the module is scripted, the loop variables are C# values.
            foreach (var l in f.Locals)
            {
                _m.CompileTime.Add(l);
            }

            var header = f.Syntax switch
            {
                ForEachStatementSyntax s => $"foreach ({s.Type} {s.Identifier} in {s.Expression})",
                ForEachVariableStatementSyntax s => $"foreach ({s.Variable} in {s.Expression})",
                _ => null,
            };
            if (header is null)
            {
                Report(Descriptors.ForeachNonTensor, at, "Unsupported foreach form.");
                return;
            }

            _w.Line("// loop over module state: unrolled when the module is scripted");
            _w.Open(header);
            _m.Loops.Add(true);
            Stmt(f.Body, b);
            _m.Loops.RemoveAt(_m.Loops.Count - 1);
            _w.Close();
            return;
        }

        if ((!isTensor && listType?.Kind != TsTypeKind.List) || f.LoopControlVariable is not IVariableDeclaratorOperation declarator)
        {
            Report(Descriptors.ForeachNonTensor, at,
                $"foreach over {collection.Type?.ToDisplayString() ?? "this value"} is not supported in scripted code; foreach may run over a Tensor (its rows), a Tensor[] or List<Tensor>, or module state (fields, evaluated when the module is scripted). Otherwise write 'for (int i = 0; i < n; i++)'.");
            return;
        }

        var items = E(collection);
        if (items is null)
        {
            return;
        }

        var v = declarator.Symbol;
        var name = DeclareName(v);
        _m.Types[v] = isTensor ? TsType.Tensor : items.Type.Element;
        _m.Assigned.Add(v);
        var body = NewVar("s");
        _w.Line($"{b}.ForIn({Literal(name)}, {items.Code},");
        _w.Indent++;
        _m.Loops.Add(false);
        Lambda(body, () => Stmt(f.Body, body), ");");
        _m.Loops.RemoveAt(_m.Loops.Count - 1);
        _w.Indent--;
    }

    private static bool IsLocal(IOperation op, ISymbol v) => Unwrap(op) switch
    {
        ILocalReferenceOperation l => SymbolEqualityComparer.Default.Equals(l.Local, v),
        IParameterReferenceOperation p => SymbolEqualityComparer.Default.Equals(p.Parameter, v),
        _ => false,
    };

    private static bool References(IOperation op, ILocalSymbol v) =>
        op.DescendantsAndSelf().OfType<ILocalReferenceOperation>().Any(l => SymbolEqualityComparer.Default.Equals(l.Local, v));

    // Whether the loop body assigns v, an item of it (d[k] = x, list[i] = x: a bound that reads v[...] changes too), or
    // changes its length.
    private static bool IsAssignedIn(IOperation body, ISymbol v) =>
        body.DescendantsAndSelf().Any(o => o switch
        {
            IAssignmentOperation a => IsLocal(a.Target, v) || Unwrap(a.Target) switch
            {
                IPropertyReferenceOperation { Property.IsIndexer: true, Instance: { } i } => IsLocal(i, v),
                IImplicitIndexerReferenceOperation ii => IsLocal(ii.Instance, v),
                _ => false,
            },
            // list.Add(...) and the like: a bound reading list.Count changes too.
            IInvocationOperation { TargetMethod.Name: "Add" or "AddRange" or "Insert" or "Remove" or "RemoveAt" or "Clear", Instance: { } r }
                => IsLocal(r, v),
            IIncrementOrDecrementOperation i => IsLocal(i.Target, v),
            IArgumentOperation arg => arg.Parameter?.RefKind is RefKind.Ref or RefKind.Out && IsLocal(arg.Value, v),
            _ => false,
        });

    // Unroll a loop with module-derived bounds when its variable indexes module state (e.g. _starts[k]).
    private bool NeedsUnroll(IOperation body, ILocalSymbol v)
    {
        var added = _m.CompileTime.Add(v);
        try
        {
            foreach (var r in body.DescendantsAndSelf().OfType<ILocalReferenceOperation>()
                         .Where(l => SymbolEqualityComparer.Default.Equals(l.Local, v)))
            {
                for (var p = r.Parent; p is not null && p is not IExpressionStatementOperation && p is not IBlockOperation; p = p.Parent)
                {
                    if (p is IArrayElementReferenceOperation or IPropertyReferenceOperation { Arguments.Length: > 0 } or IInvocationOperation &&
                        IsConst(p))
                    {
                        return true;
                    }
                }
            }

            return false;
        }
        finally
        {
            if (added)
            {
                _m.CompileTime.Remove(v);
            }
        }
    }
}
