using System.ComponentModel;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

/// <summary>What a <see cref="TraceTensor"/> is in the traced program.</summary>
internal enum TraceKind
{
    /// <summary>Does not depend on the inputs or the module's state: a constant of the traced code.</summary>
    Constant,

    /// <summary>A registered parameter or buffer of the traced module: <c>self.path.name</c>.</summary>
    State,

    /// <summary>Computed from the inputs (or from parameters/buffers): a recorded value.</summary>
    Dynamic,
}

/// <summary>
/// The recording tensor of tracing twins: where the user's forward has a <c>torch.Tensor</c>, its generated tracing
/// twin has a <see cref="TraceTensor"/>. Each operation runs the real TorchSharp operation (on the example inputs
/// and on "shadow" inputs whose free dimensions are enlarged, which tells sizes that follow the batch from fixed
/// ones) and appends a node to the traced TorchScript. It deliberately has no conversion back to
/// <c>torch.Tensor</c>, so an operation the tracer does not know cannot silently run unrecorded.
/// </summary>
/// <remarks>User code never names this type: the source generator writes it into the tracing twins.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed partial class TraceTensor
{
    private readonly Expr? _expr;
    private readonly string? _statePath;
    private readonly AttributeKind _stateKind;
    private readonly bool[]? _inputFree;

    private TraceTensor(torch.Tensor value, torch.Tensor shadow, TraceKind kind, Expr? expr, string? statePath,
        AttributeKind stateKind, bool[]? inputFree)
    {
        Value = value;
        Shadow = shadow;
        Kind = kind;
        _expr = expr;
        _statePath = statePath;
        _stateKind = stateKind;
        _inputFree = inputFree;
    }

    /// <summary>The real tensor computed for the example inputs.</summary>
    internal torch.Tensor Value { get; }

    /// <summary>The real tensor computed for the shadow inputs (same as <see cref="Value"/> for constants and state).</summary>
    internal torch.Tensor Shadow { get; }

    internal TraceKind Kind { get; }

    internal static TraceTensor Constant(torch.Tensor value) =>
        new(value, value, TraceKind.Constant, null, null, default, null);

    internal static TraceTensor Dynamic(torch.Tensor value, torch.Tensor shadow, Expr expr) =>
        new(value, shadow, TraceKind.Dynamic, expr, null, default, null);

    internal static TraceTensor State(torch.Tensor value, string path, AttributeKind kind) =>
        new(value, value, TraceKind.State, null, path, kind, null);

    internal static TraceTensor Input(torch.Tensor value, torch.Tensor shadow, string name, bool[] free) =>
        new(value, shadow, TraceKind.Dynamic, new VarExpr(name), null, default, free);

    /// <summary>The expression that computes this tensor in the traced code.</summary>
    internal Expr GetExpr() => Kind switch
    {
        TraceKind.Constant => TraceSession.Current.ConstantExpr(Value),
        TraceKind.State => TraceSession.Current.StateExpr(Value, _statePath!, _stateKind),
        _ => _expr!,
    };

    /// <summary>Lifts a tensor read from a field, a property or a method that was not traced: a registered parameter or
    /// buffer of the traced module (found by reference) becomes <c>self.path.name</c>, anything else a constant.</summary>
    /// <param name="tensor">The tensor (null stays null).</param>
    public static implicit operator TraceTensor?(torch.Tensor? tensor) => TraceRuntime.Lift(tensor);

    // ------------------------------------------------------------------------------------------------------------
    // Metadata (not recorded)

    /// <summary>The element type.</summary>
    public torch.ScalarType dtype => Value.dtype;

    /// <summary>The device.</summary>
    public torch.Device device => Value.device;

    /// <summary>The device type.</summary>
    public DeviceType device_type => Value.device_type;

    /// <summary>Whether autograd records operations on the eager tensor.</summary>
    public bool requires_grad => Value.requires_grad;

    /// <summary>The number of dimensions (fixed by the trace).</summary>
    public long ndim => Value.ndim;

    /// <summary>The number of dimensions (fixed by the trace).</summary>
    public long Dimensions => Value.ndim;

    /// <summary>The number of dimensions (fixed by the trace).</summary>
    public long dim() => Value.dim();

    /// <summary>Whether the tensor is floating point.</summary>
    public bool is_floating_point() => Value.is_floating_point();

    /// <summary>Whether the tensor is complex.</summary>
    public bool is_complex() => Value.is_complex();

    /// <summary>The shape; sizes that follow a free input dimension are symbolic.</summary>
    public TraceShape shape
    {
        get
        {
            var r = new SymInt[Value.ndim];
            for (var i = 0; i < r.Length; i++)
            {
                r[i] = size(i);
            }

            return new TraceShape(r);
        }
    }

    /// <summary>The shape; sizes that follow a free input dimension are symbolic.</summary>
    public TraceShape size() => shape;

    /// <summary>The size of one dimension; symbolic (<c>x.size(d)</c> in the traced code) when it follows a free
    /// input dimension.</summary>
    /// <param name="dim">The dimension (negative counts from the end).</param>
    public SymInt size(int dim) => size((long)dim);

    /// <summary>The size of one dimension; symbolic when it follows a free input dimension.</summary>
    /// <param name="dim">The dimension (negative counts from the end).</param>
    public SymInt size(long dim)
    {
        var n = Value.ndim;
        var d = dim < 0 ? dim + n : dim;
        if (d < 0 || d >= n)
        {
            throw new TracingException($"{TraceSession.Where()}: size({dim}) of a tensor with {n} dimensions.");
        }

        var v = Value.shape[d];
        var s = Shadow.shape[d];
        var free = v != s || (_inputFree is not null && _inputFree[d]);
        if (Kind != TraceKind.Dynamic || !free)
        {
            return v;
        }

        return new SymInt(v, s, new MethodCallExpr(GetExpr(), "size", [new IntLiteral(dim)], []));
    }

    /// <summary>The number of elements (symbolic when it depends on a free input dimension).</summary>
    public SymInt numel()
    {
        var v = Value.numel();
        var s = Shadow.numel();
        if (Kind != TraceKind.Dynamic || (v == s && _inputFree is null))
        {
            return v;
        }

        return new SymInt(v, s, new MethodCallExpr(GetExpr(), "numel", [], []));
    }

    // ------------------------------------------------------------------------------------------------------------
    // Values read back into C# (data-dependent: warned)

    // Through a held Scalar: TorchSharp's ToDouble() and the like leave theirs to the finalizer.
    private T ReadScalar<T>(string what, Func<Scalar, T> read)
    {
        using var value = ReadValue(what).ToScalar();
        return read(value);
    }

    private torch.Tensor ReadValue(string what)
    {
        if (Kind != TraceKind.Constant)
        {
            TraceSession.Current.Warn(
                $"a traced tensor was converted to a C# value ({what}); the trace records the value it had for the " +
                "example inputs and may be wrong for other inputs (data-dependent control flow cannot be traced: " +
                "use JitMode.Script for such a module)");
        }

        return Value;
    }

    /// <summary>The single value as a C# value (warns: the trace cannot follow it).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public T item<T>()
        where T : unmanaged => ReadValue($"item<{typeof(T).Name}>()").item<T>();

    /// <summary>The single value as a bool (warns).</summary>
    public bool ToBoolean() => ReadScalar("ToBoolean()", s => s.ToBoolean());

    /// <summary>The single value as a float (warns).</summary>
    public float ToSingle() => ReadScalar("ToSingle()", s => s.ToSingle());

    /// <summary>The single value as a double (warns).</summary>
    public double ToDouble() => ReadScalar("ToDouble()", s => s.ToDouble());

    /// <summary>The single value as an int (warns).</summary>
    public int ToInt32() => ReadScalar("ToInt32()", s => s.ToInt32());

    /// <summary>The single value as a long (warns).</summary>
    public long ToInt64() => ReadScalar("ToInt64()", s => s.ToInt64());

    /// <summary>The single value as a bool (warns).</summary>
    /// <param name="t">The tensor.</param>
    public static explicit operator bool(TraceTensor t) => t.ToBoolean();

    /// <summary>The single value as a float (warns).</summary>
    /// <param name="t">The tensor.</param>
    public static explicit operator float(TraceTensor t) => t.ToSingle();

    /// <summary>The single value as a double (warns).</summary>
    /// <param name="t">The tensor.</param>
    public static explicit operator double(TraceTensor t) => t.ToDouble();

    /// <summary>The single value as a long (warns).</summary>
    /// <param name="t">The tensor.</param>
    public static explicit operator long(TraceTensor t) => t.ToInt64();

    /// <summary>The single value as an int (warns).</summary>
    /// <param name="t">The tensor.</param>
    public static explicit operator int(TraceTensor t) => t.ToInt32();

    /// <summary>The values as an array (warns).</summary>
    /// <typeparam name="T">The element type.</typeparam>
    public TorchSharp.Utils.TensorAccessor<T> data<T>()
        where T : unmanaged => ReadValue($"data<{typeof(T).Name}>()").data<T>();

    // ------------------------------------------------------------------------------------------------------------
    // Lifetime idioms: the tracer owns every tensor, so these do nothing.

    /// <summary>Does nothing in a tracing twin.</summary>
    public TraceTensor MoveToOuterDisposeScope() => this;

    /// <summary>Does nothing in a tracing twin.</summary>
    public TraceTensor DetachFromDisposeScope() => this;

    /// <summary>Does nothing in a tracing twin.</summary>
    public void Dispose()
    {
    }

    /// <summary>A description for debugging.</summary>
    public override string ToString() => $"TraceTensor({Kind}, shape [{string.Join(", ", Value.shape)}], {dtype})";

    /// <summary>Reference equality (C# <c>==</c> on tensors is the elementwise <c>eq</c>).</summary>
    /// <param name="obj">The other object.</param>
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    /// <summary>Reference hash.</summary>
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
