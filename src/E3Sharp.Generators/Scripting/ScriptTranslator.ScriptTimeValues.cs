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

/// <summary>Values fixed when the module is scripted: folded into the script as attributes or literals.</summary>
internal sealed partial class ScriptTranslator
{
    // A value computed only from the module (its fields, constants, unrolled loop variables): evaluated when the
    // module is scripted. Direct reads of number/bool/string members become typed attributes, the rest literals.
    private Ex? Fold(IOperation op)
    {
        if (Unwrap(op) is ILocalReferenceOperation held && _m.HeldScalars.TryGetValue(held.Local, out var number))
        {
            if (Unwrap(number) is IMemberReferenceOperation { Instance: IInstanceReferenceOperation })
            {
                // 'using var s = field.ToScalar()': the field's attribute, as when the field was passed directly.
                return Fold(number);
            }

            if (_m.HeldLocals.TryGetValue(held.Local, out var local) && FoldType(number.Type) is { } heldType)
            {
                return new Ex($"__Sc.ScriptBinder.Constant(({heldType.Cast})({local}))", heldType.Type);
            }
        }

        if (FoldType(ValueType(op)) is not { } ft)
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
}
