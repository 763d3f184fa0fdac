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
}
