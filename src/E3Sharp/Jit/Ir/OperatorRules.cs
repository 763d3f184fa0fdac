namespace E3Sharp.Jit.Ir;

/// <summary>
/// Result types of TorchScript's operators (measured on PyTorch 1.13, restricted to combinations that behave the
/// same in LibTorch 2.x): tensors combine with tensors and numbers, int op int stays int except <c>/</c> and
/// <c>**</c> (float), mixing with float gives float, comparisons of numbers give bool, of tensors a Tensor.
/// </summary>
internal static class OperatorRules
{
    /// <summary>The result type of <c>left op right</c>, or null when TorchScript rejects it.</summary>
    /// <param name="op">The operator.</param>
    /// <param name="left">Left operand type.</param>
    /// <param name="right">Right operand type.</param>
    public static TsType? Binary(BinaryOp op, TsType left, TsType right)
    {
        var lt = left.Kind == TsTypeKind.Tensor;
        var rt = right.Kind == TsTypeKind.Tensor;
        var ln = left.IsNumber;
        var rn = right.IsNumber;
        switch (op)
        {
            case BinaryOp.Add or BinaryOp.Sub or BinaryOp.Mul or BinaryOp.Div or BinaryOp.Mod or BinaryOp.Pow:
                if ((lt && (rt || rn)) || (ln && rt))
                {
                    return TsType.Tensor;
                }

                if (ln && rn)
                {
                    if (op is BinaryOp.Div or BinaryOp.Pow)
                    {
                        return TsType.Float;
                    }

                    return left.Kind == TsTypeKind.Int && right.Kind == TsTypeKind.Int ? TsType.Int : TsType.Float;
                }

                if (op == BinaryOp.Add && left.Kind == TsTypeKind.Str && right.Kind == TsTypeKind.Str)
                {
                    return TsType.Str;
                }

                return null;
            case BinaryOp.FloorDiv:
                if (lt && (rt || rn))
                {
                    return TsType.Tensor;
                }

                if (ln && rn)
                {
                    return left.Kind == TsTypeKind.Int && right.Kind == TsTypeKind.Int ? TsType.Int : TsType.Float;
                }

                return null;
            case BinaryOp.MatMul:
                return lt && rt ? TsType.Tensor : null;
            case BinaryOp.BitAnd or BinaryOp.BitOr or BinaryOp.BitXor:
                if (lt && (rt || right.Kind == TsTypeKind.Int))
                {
                    return TsType.Tensor;
                }

                if (left.Kind == TsTypeKind.Int && right.Kind == TsTypeKind.Int)
                {
                    return TsType.Int;
                }

                return left.Kind == TsTypeKind.Bool && right.Kind == TsTypeKind.Bool ? TsType.Bool : null;
            case BinaryOp.Eq or BinaryOp.Ne or BinaryOp.Lt or BinaryOp.Le or BinaryOp.Gt or BinaryOp.Ge:
                if ((lt && (rt || rn)) || (ln && rt))
                {
                    return TsType.Tensor;
                }

                if (ln && rn)
                {
                    return TsType.Bool;
                }

                if (left.Kind == TsTypeKind.Str && right.Kind == TsTypeKind.Str)
                {
                    return TsType.Bool;
                }

                if (op is BinaryOp.Eq or BinaryOp.Ne && left is ListType ll && right is ListType rl && ll.Element.Equals(rl.Element)
                    && ll.Element.Kind is TsTypeKind.Int or TsTypeKind.Float or TsTypeKind.Bool or TsTypeKind.Str)
                {
                    return TsType.Bool; // aten::eq.int_list and its siblings: element-wise equality of whole lists
                }

                return op is BinaryOp.Eq or BinaryOp.Ne && left.Kind == TsTypeKind.Bool && right.Kind == TsTypeKind.Bool
                    ? TsType.Bool
                    : null;
            case BinaryOp.And or BinaryOp.Or:
                return left.Kind == TsTypeKind.Bool && right.Kind == TsTypeKind.Bool ? TsType.Bool : null;
            default:
                return null;
        }
    }

    /// <summary>The result type of a unary operator, or null when TorchScript rejects it.</summary>
    /// <param name="op">The operator.</param>
    /// <param name="operand">The operand type.</param>
    public static TsType? Unary(UnaryOp op, TsType operand) => op switch
    {
        UnaryOp.Neg when operand.Kind is TsTypeKind.Tensor or TsTypeKind.Int or TsTypeKind.Float => operand,
        UnaryOp.Not when operand.Kind is TsTypeKind.Bool or TsTypeKind.Tensor => TsType.Bool,
        UnaryOp.BitNot when operand.Kind == TsTypeKind.Tensor => TsType.Tensor,
        _ => null,
    };
}
