using System.Collections;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

/// <summary>Which values an operation runs on: the traced inputs, or the shadow inputs (free dimensions enlarged).</summary>
internal readonly struct Run
{
    private readonly bool _shadow;

    public Run(bool shadow) => _shadow = shadow;

    public bool IsShadow => _shadow;

    public torch.Tensor this[TraceTensor t] => _shadow ? t.Shadow : t.Value;

    public long this[SymInt s] => _shadow ? s.Shadow : s.Value;

    public torch.Tensor? Opt(TraceTensor? t) => t is null ? null : this[t];

    public long[] L(IReadOnlyList<SymInt> s)
    {
        var r = new long[s.Count];
        for (var i = 0; i < r.Length; i++)
        {
            r[i] = this[s[i]];
        }

        return r;
    }

    public torch.Tensor[] T(IEnumerable<TraceTensor> ts)
    {
        var self = this;
        return ts.Select(t => self[t]).ToArray();
    }
}

/// <summary>A keyword argument of a recorded call.</summary>
internal readonly record struct Kw(string Name, object? Value);

/// <summary>
/// Records operations: checks each call against the IR's <see cref="OpTable"/> (so recording and the archive's
/// validation agree), runs it on the traced values and on the shadow values, and appends <c>_tN = op(...)</c>.
/// Calls whose tensor arguments are all constants are folded: run once, their result is a constant.
/// </summary>
internal static class Recorder
{
    /// <summary>The op table recorded calls are checked against (the IR's built-in table).</summary>
    public static OpTable Ops => OpTable.Default;

    /// <summary>Whether an operation reads random numbers (never folded into a constant).</summary>
    private static bool IsRandom(string op) => op is "dropout" or "rand_like" or "randn_like";

    public static TraceTensor Call(string op, bool asMethod, object?[] args, Func<Run, torch.Tensor> exec, params Kw[] kw)
    {
        var (real, shadow, expr) = Invoke(op, asMethod, args, kw, r => exec(r));
        return expr is null
            ? TraceTensor.Constant((torch.Tensor)real)
            : TraceTensor.Dynamic((torch.Tensor)real, (torch.Tensor)shadow, expr);
    }

    public static TraceTensor[] CallList(string op, bool asMethod, object?[] args, Func<Run, torch.Tensor[]> exec, params Kw[] kw)
    {
        var (real, shadow, expr) = Invoke(op, asMethod, args, kw, r => exec(r));
        var rs = (torch.Tensor[])real;
        var ss = (torch.Tensor[])shadow;
        if (expr is null)
        {
            return rs.Select(TraceTensor.Constant).ToArray();
        }

        if (rs.Length != ss.Length)
        {
            throw new TracingException(
                $"{TraceSession.Where()}: '{op}' returns {rs.Length} tensors for the traced inputs but {ss.Length} when the " +
                "free (batch) dimensions change: the number of results depends on the input shape, which a trace cannot express.");
        }

        return rs.Select((t, i) => TraceTensor.Dynamic(t, ss[i], new SubscriptExpr(expr, [new IntLiteral(i)]))).ToArray();
    }

    public static (TraceTensor, TraceTensor) CallPair(string op, bool asMethod, object?[] args,
        Func<Run, (torch.Tensor, torch.Tensor)> exec, params Kw[] kw)
    {
        var (real, shadow, expr) = Invoke(op, asMethod, args, kw, r => exec(r));
        var (r1, r2) = ((torch.Tensor, torch.Tensor))real;
        var (s1, s2) = ((torch.Tensor, torch.Tensor))shadow;
        if (expr is null)
        {
            return (TraceTensor.Constant(r1), TraceTensor.Constant(r2));
        }

        return (TraceTensor.Dynamic(r1, s1, new SubscriptExpr(expr, [new IntLiteral(0)])),
            TraceTensor.Dynamic(r2, s2, new SubscriptExpr(expr, [new IntLiteral(1)])));
    }

    /// <summary>Records an expression built by the caller (operators, subscripts) without an op-table lookup; the
    /// archive validator checks it.</summary>
    public static TraceTensor Expression(object?[] operands, Func<Expr> build, Func<Run, torch.Tensor> exec, string what)
    {
        var session = TraceSession.Current;
        if (IsFoldable(operands))
        {
            return TraceTensor.Constant(Execute(exec, new Run(false), what, session, shadow: false));
        }

        var expr = build();
        var real = Execute(exec, new Run(false), what, session, shadow: false);
        var shadowValue = session.ShadowEnabled ? Execute(exec, new Run(true), what, session, shadow: true) : real;
        return TraceTensor.Dynamic(real, shadowValue, Assign(session, expr));
    }

    private static (object Real, object Shadow, Expr? Expr) Invoke(string op, bool asMethod, object?[] args, Kw[] kw,
        Func<Run, object> exec)
    {
        var session = TraceSession.Current;
        if (!IsRandom(op) && IsFoldable(args) && IsFoldable(kw.Select(k => k.Value)))
        {
            var value = Execute(exec, new Run(false), op, session, shadow: false);
            return (value, value, null);
        }

        var exprs = new List<Expr>(args.Length);
        var types = new List<TsType>(args.Length);
        foreach (var a in args)
        {
            var (e, t) = Convert(a);
            exprs.Add(e);
            types.Add(t);
        }

        var kwExprs = new List<KeywordArg>();
        var kwTypes = new List<(string, TsType)>();
        foreach (var k in kw)
        {
            var (e, t) = Convert(k.Value);
            kwExprs.Add(new KeywordArg(k.Name, e));
            kwTypes.Add((k.Name, t));
        }

        if (!Ops.TryResolve(op, asMethod, types, kwTypes, out _, out _, out var error))
        {
            throw new TracingException(
                $"{session.Describe()}: the operation '{op}' cannot be recorded: TorchScript has no matching overload ({error}).");
        }

        Expr call = asMethod
            ? new MethodCallExpr(exprs[0], op, exprs.Skip(1).ToArray(), kwExprs)
            : new TorchCallExpr(op, exprs, kwExprs);
        var real = Execute(exec, new Run(false), op, session, shadow: false);
        var shadowValue = session.ShadowEnabled ? Execute(exec, new Run(true), op, session, shadow: true) : real;
        return (real, shadowValue, Assign(session, call));
    }

    private static VarExpr Assign(TraceSession session, Expr expr)
    {
        var name = session.NewVar();
        session.Body.Add(new AssignStmt(name, expr));
        return new VarExpr(name);
    }

    private static T Execute<T>(Func<Run, T> exec, Run run, string op, TraceSession session, bool shadow)
    {
        try
        {
            return exec(run);
        }
        catch (TracingException)
        {
            throw;
        }
        catch (Exception e) when (shadow && !session.FixedLastDimension)
        {
            // The likeliest cause first: a feature size (nn.Linear's in_features, say) left free.
            var root = session.Root.GetType().Name;
            throw new TracingException(
                $"{root} is traced with its last dimension free (ITracingInputs.FixedLastDimension is false), and " +
                $"'{op}' fails when the inputs' free dimensions change: if the last dimension is a feature size (as for " +
                $"nn.Linear), implement FixedLastDimension => true on {root}. Otherwise a size taken from the example " +
                "inputs was used as a C# number (pass -1 or x.shape[i] / x.size(i) so it stays symbolic). At " +
                $"{session.Describe()}: {FirstLine(e.Message)}", e);
        }
        catch (Exception e) when (shadow)
        {
            throw new TracingException(
                $"{session.Describe()}: '{op}' works on the example inputs but fails when their free (batch) dimensions " +
                $"change ({FirstLine(e.Message)}). Either a size taken from the example inputs was used as a C# number " +
                "(for example reshape(n, ...) with n = x.shape[0] stored in a long: pass -1 or x.shape[i] / x.size(i) " +
                "directly so the size stays symbolic), or a dimension the tracer treats as free is fixed (every dimension " +
                "but the last is free, and the last too when fixedLastDimension is false).", e);
        }
        catch (Exception e)
        {
            throw new TracingException($"{session.Describe()}: '{op}' failed while tracing: {FirstLine(e.Message)}", e);
        }
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOf('\n');
        return i < 0 ? s : s[..i];
    }

    private static bool IsFoldable(IEnumerable<object?> values)
    {
        foreach (var v in values)
        {
            switch (v)
            {
                case TraceTensor t when t.Kind != TraceKind.Constant:
                    return false;
                case SymInt s when s.IsSymbolic:
                    return false;
                case TypedExpr:
                    return false;
                case string:
                    break;
                case IEnumerable e when !IsFoldable(e.Cast<object?>()):
                    return false;
            }
        }

        return true;
    }

    /// <summary>The IR expression and TorchScript type of a recorded argument.</summary>
    public static (Expr Expr, TsType Type) Convert(object? a)
    {
        switch (a)
        {
            case null:
                return (NoneLiteral.Instance, TsType.None);
            case TypedExpr te:
                return (te.Expr, te.Type);
            case TraceTensor t:
                return (t.GetExpr(), TsType.Tensor);
            case SymInt s:
                return (s.ToExpr(), TsType.Int);
            case long l:
                return (new IntLiteral(l), TsType.Int);
            case int i:
                return (new IntLiteral(i), TsType.Int);
            case double d:
                return (new FloatLiteral(d), TsType.Float);
            case float f:
                return (new FloatLiteral(f), TsType.Float);
            case bool b:
                return (new BoolLiteral(b), TsType.Bool);
            case string str:
                return (new StrLiteral(str), TsType.Str);
            case torch.ScalarType st:
                return (new IntLiteral((long)st), TsType.Int);
            case Scalar sc:
                return ScalarLiteral(sc);
            case IEnumerable<TraceTensor?> ts:
            {
                var list = ts.ToList();
                var optional = list.Any(t => t is null);
                var elem = optional ? TsType.Optional(TsType.Tensor) : TsType.Tensor;
                return (new ListExpr(list.Select(t => t is null ? (Expr)NoneLiteral.Instance : t.GetExpr()).ToArray(), elem),
                    TsType.List(elem));
            }

            case IEnumerable<SymInt> ss:
                return (new ListExpr(ss.Select(s => s.ToExpr()).ToArray(), TsType.Int), TsType.List(TsType.Int));
            case IEnumerable<long> ls:
                return (new ListExpr(ls.Select(l => (Expr)new IntLiteral(l)).ToArray(), TsType.Int), TsType.List(TsType.Int));
            default:
                throw new TracingException(
                    $"{TraceSession.Where()}: a value of type {a.GetType().Name} cannot be an argument of a recorded operation.");
        }
    }

    /// <summary>A TorchSharp <see cref="Scalar"/> as an int, float or bool literal, by its type.</summary>
    public static (Expr Expr, TsType Type) ScalarLiteral(Scalar s) => s.Type switch
    {
        torch.ScalarType.Bool => (new BoolLiteral(s.ToBoolean()), TsType.Bool),
        torch.ScalarType.Byte or torch.ScalarType.Int8 or torch.ScalarType.Int16 or torch.ScalarType.Int32
            or torch.ScalarType.Int64 => (new IntLiteral(s.ToInt64()), TsType.Int),
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Float32 or torch.ScalarType.Float64 =>
            (new FloatLiteral(s.ToDouble()), TsType.Float),
        _ => throw new TracingException($"{TraceSession.Where()}: a {s.Type} scalar cannot be recorded in TorchScript."),
    };
}
