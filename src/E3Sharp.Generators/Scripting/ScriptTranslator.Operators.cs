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

/// <summary>Binary, unary and conditional operators.</summary>
internal sealed partial class ScriptTranslator
{
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
}
