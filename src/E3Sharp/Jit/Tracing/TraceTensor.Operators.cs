using System.Reflection;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

// C# operators and indexers of the tracing twin (recorded as TorchScript operators and subscripts).
public sealed partial class TraceTensor
{
    // TorchSharp's operators with a number convert it to a Scalar that nothing references during the native call (a GC
    // may finalize it meanwhile); its Scalar overloads do not.
    private static torch.Tensor WithScalar(double value, Func<Scalar, torch.Tensor> op)
    {
        using var scalar = value.ToScalar();
        return op(scalar);
    }

    private static torch.Tensor WithScalar(long value, Func<Scalar, torch.Tensor> op)
    {
        using var scalar = value.ToScalar();
        return op(scalar);
    }

    private static TraceTensor Bin(BinaryOp op, object a, object b, Func<Run, torch.Tensor> exec, string what) =>
        Recorder.Expression([a, b], () => new BinaryExpr(op, Recorder.Convert(a).Expr, Recorder.Convert(b).Expr), exec, what);

    /// <summary>Elementwise sum.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator +(TraceTensor left, TraceTensor right) => Bin(BinaryOp.Add, left, right, r => r[left] + r[right], "+");

    /// <summary>Adds a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator +(TraceTensor left, double right) => Bin(BinaryOp.Add, left, right, r => WithScalar(right, s => r[left] + s), "+");

    /// <summary>Adds a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator +(TraceTensor left, long right) => Bin(BinaryOp.Add, left, right, r => WithScalar(right, s => r[left] + s), "+");

    /// <summary>Adds a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator +(double left, TraceTensor right) => Bin(BinaryOp.Add, left, right, r => WithScalar(left, s => s + r[right]), "+");

    /// <summary>Adds a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator +(long left, TraceTensor right) => Bin(BinaryOp.Add, left, right, r => WithScalar(left, s => s + r[right]), "+");

    /// <summary>Adds a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator +(TraceTensor left, Scalar right) => Bin(BinaryOp.Add, left, right, r => r[left] + right, "+");

    /// <summary>Elementwise difference.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator -(TraceTensor left, TraceTensor right) => Bin(BinaryOp.Sub, left, right, r => r[left] - r[right], "-");

    /// <summary>Subtracts a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator -(TraceTensor left, double right) => Bin(BinaryOp.Sub, left, right, r => WithScalar(right, s => r[left] - s), "-");

    /// <summary>Subtracts a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator -(TraceTensor left, long right) => Bin(BinaryOp.Sub, left, right, r => WithScalar(right, s => r[left] - s), "-");

    /// <summary>Subtracts from a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator -(double left, TraceTensor right) => Bin(BinaryOp.Sub, left, right, r => WithScalar(left, s => s - r[right]), "-");

    /// <summary>Subtracts from a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator -(long left, TraceTensor right) => Bin(BinaryOp.Sub, left, right, r => WithScalar(left, s => s - r[right]), "-");

    /// <summary>Subtracts a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator -(TraceTensor left, Scalar right) => Bin(BinaryOp.Sub, left, right, r => r[left] - right, "-");

    /// <summary>Elementwise product.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator *(TraceTensor left, TraceTensor right) => Bin(BinaryOp.Mul, left, right, r => r[left] * r[right], "*");

    /// <summary>Multiplies by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator *(TraceTensor left, double right) => Bin(BinaryOp.Mul, left, right, r => WithScalar(right, s => r[left] * s), "*");

    /// <summary>Multiplies by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator *(TraceTensor left, long right) => Bin(BinaryOp.Mul, left, right, r => WithScalar(right, s => r[left] * s), "*");

    /// <summary>Multiplies by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator *(double left, TraceTensor right) => Bin(BinaryOp.Mul, left, right, r => WithScalar(left, s => s * r[right]), "*");

    /// <summary>Multiplies by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator *(long left, TraceTensor right) => Bin(BinaryOp.Mul, left, right, r => WithScalar(left, s => s * r[right]), "*");

    /// <summary>Multiplies by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator *(TraceTensor left, Scalar right) => Bin(BinaryOp.Mul, left, right, r => r[left] * right, "*");

    /// <summary>Elementwise true division.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator /(TraceTensor left, TraceTensor right) => Bin(BinaryOp.Div, left, right, r => r[left] / r[right], "/");

    /// <summary>Divides by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator /(TraceTensor left, double right) => Bin(BinaryOp.Div, left, right, r => WithScalar(right, s => r[left] / s), "/");

    /// <summary>Divides by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator /(TraceTensor left, long right) => Bin(BinaryOp.Div, left, right, r => WithScalar(right, s => r[left] / s), "/");

    /// <summary>Divides a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator /(double left, TraceTensor right) => Bin(BinaryOp.Div, left, right, r => WithScalar(left, s => s / r[right]), "/");

    /// <summary>Divides a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator /(long left, TraceTensor right) => Bin(BinaryOp.Div, left, right, r => WithScalar(left, s => s / r[right]), "/");

    /// <summary>Divides by a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator /(TraceTensor left, Scalar right) => Bin(BinaryOp.Div, left, right, r => r[left] / right, "/");

    /// <summary>Python-style remainder.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator %(TraceTensor left, TraceTensor right) => Bin(BinaryOp.Mod, left, right, r => r[left] % r[right], "%");

    /// <summary>Python-style remainder.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator %(TraceTensor left, double right) => Bin(BinaryOp.Mod, left, right, r => WithScalar(right, s => r[left] % s), "%");

    /// <summary>Python-style remainder.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator %(TraceTensor left, long right) => Bin(BinaryOp.Mod, left, right, r => WithScalar(right, s => r[left] % s), "%");

    /// <summary>Negation.</summary>
    /// <param name="operand">The operand.</param>
    public static TraceTensor operator -(TraceTensor operand) =>
        Recorder.Expression([operand], () => new UnaryExpr(UnaryOp.Neg, operand.GetExpr()), r => -r[operand], "-");

    /// <summary>Elementwise and (bool/int tensors).</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator &(TraceTensor left, TraceTensor right) => Bin(BinaryOp.BitAnd, left, right, r => r[left] & r[right], "&");

    /// <summary>Elementwise or (bool/int tensors).</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator |(TraceTensor left, TraceTensor right) => Bin(BinaryOp.BitOr, left, right, r => r[left] | r[right], "|");

    /// <summary>Elementwise xor (bool/int tensors).</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator ^(TraceTensor left, TraceTensor right) => Bin(BinaryOp.BitXor, left, right, r => r[left] ^ r[right], "^");

    /// <summary>Elementwise <c>==</c> (a bool tensor, as in TorchSharp).</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator ==(TraceTensor left, TraceTensor right) => left.eq(right);

    /// <summary>Elementwise <c>!=</c> (a bool tensor, as in TorchSharp).</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator !=(TraceTensor left, TraceTensor right) => left.ne(right);

    /// <summary>Elementwise <c>==</c> with a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator ==(TraceTensor left, Scalar right) => left.eq(right);

    /// <summary>Elementwise <c>!=</c> with a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator !=(TraceTensor left, Scalar right) => left.ne(right);

    /// <summary>Elementwise <c>&lt;</c>.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator <(TraceTensor left, TraceTensor right) => left.lt(right);

    /// <summary>Elementwise <c>&gt;</c>.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator >(TraceTensor left, TraceTensor right) => left.gt(right);

    /// <summary>Elementwise <c>&lt;=</c>.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator <=(TraceTensor left, TraceTensor right) => left.le(right);

    /// <summary>Elementwise <c>&gt;=</c>.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator >=(TraceTensor left, TraceTensor right) => left.ge(right);

    /// <summary>Elementwise <c>&lt;</c> with a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator <(TraceTensor left, Scalar right) => left.lt(right);

    /// <summary>Elementwise <c>&gt;</c> with a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator >(TraceTensor left, Scalar right) => left.gt(right);

    /// <summary>Elementwise <c>&lt;=</c> with a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator <=(TraceTensor left, Scalar right) => left.le(right);

    /// <summary>Elementwise <c>&gt;=</c> with a scalar.</summary>
    /// <param name="left">Left.</param>
    /// <param name="right">Right.</param>
    public static TraceTensor operator >=(TraceTensor left, Scalar right) => left.ge(right);

    // ---------------------------------------------------------------- indexing

    private TraceTensor Subscript(object?[] indices, Func<Run, torch.Tensor> exec)
    {
        var operands = new object?[indices.Length + 1];
        operands[0] = this;
        indices.CopyTo(operands, 1);
        return Recorder.Expression(operands, () => new SubscriptExpr(GetExpr(), indices.Select(IndexExpr).ToArray()), exec, "[]");
    }

    private static Expr IndexExpr(object? index) => index switch
    {
        null => NoneLiteral.Instance,
        Expr e => e,
        _ => Recorder.Convert(index).Expr,
    };

    /// <summary><c>x[i]</c>: selects along the first dimension.</summary>
    /// <param name="index">The index (may be symbolic).</param>
    public TraceTensor this[SymInt index] => Subscript([index], r => r[this][r[index]]);

    /// <summary><c>x[i, j]</c>.</summary>
    /// <param name="i">First index.</param>
    /// <param name="j">Second index.</param>
    public TraceTensor this[SymInt i, SymInt j] => Subscript([i, j], r => r[this][r[i], r[j]]);

    /// <summary><c>x[i, j, k]</c>.</summary>
    /// <param name="i">First index.</param>
    /// <param name="j">Second index.</param>
    /// <param name="k">Third index.</param>
    public TraceTensor this[SymInt i, SymInt j, SymInt k] => Subscript([i, j, k], r => r[this][r[i], r[j], r[k]]);

    /// <summary><c>x[indices]</c> with index tensors (int64 or bool), one per leading dimension.</summary>
    /// <param name="indices">The index tensors.</param>
    public TraceTensor this[params TraceTensor[] indices] => Subscript(indices.Cast<object?>().ToArray(), r => r[this][r.T(indices)]);

    /// <summary><c>x[...]</c> with TorchSharp tensor indices (integers, slices, <c>TensorIndex.Ellipsis</c>,
    /// <c>TensorIndex.None</c>, bools, index tensors).</summary>
    /// <param name="indices">The indices.</param>
    public TraceTensor this[params torch.TensorIndex[] indices]
    {
        get
        {
            var converted = indices.Select(ConvertIndex).ToArray();
            var tensors = converted.OfType<TraceTensor>().ToArray();
            return Recorder.Expression(
                [this, .. tensors],
                () => new SubscriptExpr(GetExpr(), converted.Select(IndexExpr).ToArray()),
                r =>
                {
                    var run = r;
                    var real = indices.Select((ix, n) => converted[n] is TraceTensor tt ? torch.TensorIndex.Tensor(run[tt]) : ix).ToArray();
                    return r[this][real];
                },
                "[]");
        }
    }

    /// <summary><c>x.index(indices)</c> with index tensors.</summary>
    /// <param name="indices">The index tensors.</param>
    public TraceTensor index(params TraceTensor[] indices) => this[indices];

    /// <summary><c>x.index(indices)</c> with TorchSharp tensor indices.</summary>
    /// <param name="indices">The indices.</param>
    public TraceTensor index(params torch.TensorIndex[] indices) => this[indices];

    private static readonly FieldInfo? IndexKind = typeof(torch.TensorIndex).GetField("kind", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
    private static readonly FieldInfo? IndexStart = typeof(torch.TensorIndex).GetField("startIndexOrBoolOrSingle", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
    private static readonly FieldInfo? IndexStop = typeof(torch.TensorIndex).GetField("stopIndex", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
    private static readonly FieldInfo? IndexStep = typeof(torch.TensorIndex).GetField("step", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);
    private static readonly FieldInfo? IndexTensor = typeof(torch.TensorIndex).GetField("tensor", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public);

    /// <summary>A TorchSharp index as an IR index: an <see cref="Expr"/>, or a <see cref="TraceTensor"/> for index tensors.</summary>
    private static object ConvertIndex(torch.TensorIndex index)
    {
        if (IndexKind is null || IndexStart is null || IndexStop is null || IndexStep is null || IndexTensor is null)
        {
            throw new TracingException($"{TraceSession.Where()}: this TorchSharp version's TensorIndex cannot be read by the tracer.");
        }

        object boxed = index;
        var kind = IndexKind.GetValue(boxed)!.ToString();
        var start = (long?)IndexStart.GetValue(boxed);
        var stop = (long?)IndexStop.GetValue(boxed);
        var step = (long?)IndexStep.GetValue(boxed);
        Expr? Lit(long? v) => v is { } x ? new IntLiteral(x) : null;
        return kind switch
        {
            "None" => NoneLiteral.Instance,
            "Ellipsis" => new EllipsisExpr(),
            "Single" => new IntLiteral(start!.Value),
            "Bool" => new BoolLiteral(start!.Value != 0),
            "Slice" => new SliceExpr(Lit(start), Lit(stop), step is 1 ? null : Lit(step)),
            "Tensor" => TraceRuntime.Lift((torch.Tensor)IndexTensor.GetValue(boxed)!)!,
            _ => throw new TracingException($"{TraceSession.Where()}: the tensor index kind '{kind}' cannot be traced."),
        };
    }
}
