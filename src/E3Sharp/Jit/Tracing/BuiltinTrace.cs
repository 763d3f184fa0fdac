using E3Sharp.Jit.Ir;
using TorchSharp;
using TorchSharp.Modules;

namespace E3Sharp.Jit.Tracing;

/// <summary>Traces through TorchSharp's common built-in modules by recording their aten ops with their registered
/// parameters (<c>self.path.weight</c>).</summary>
internal static class BuiltinTrace
{
    public const string SupportedNames =
        "Linear, Sequential, ModuleList/ModuleDict items, SiLU, ReLU, Tanh, Sigmoid, GELU, Softplus, Dropout, LayerNorm, Embedding, Identity";

    /// <summary>Whether a module type is a supported built-in.</summary>
    public static bool IsSupported(Type type) =>
        type == typeof(Linear) || type == typeof(ReLU) || type == typeof(SiLU) || type == typeof(Tanh) ||
        type == typeof(Sigmoid) || type == typeof(GELU) || type == typeof(Softplus) || type == typeof(Dropout) ||
        type == typeof(LayerNorm) || type == typeof(Embedding) || type == typeof(Identity) || IsSequential(type);

    public static bool IsSequential(Type type) =>
        type.Namespace == "TorchSharp.Modules" && type.Name.StartsWith("Sequential", StringComparison.Ordinal);

    public static bool TryCall(TraceSession session, torch.nn.Module module, object?[] args, out object result)
    {
        result = null!;
        if (!IsSupported(module.GetType()))
        {
            return false;
        }

        if (args.Length != 1 || args[0] is not TraceTensor x)
        {
            throw new TracingException(
                $"{session.Describe()}: the built-in module {module.GetType().Name} takes one tensor argument, got {args.Length}.");
        }

        result = module switch
        {
            Linear l => TraceTorch.nn.functional.linear(x, State(session, l, "weight", l.weight)!, State(session, l, "bias", l.bias)),
            ReLU => x.relu(),
            SiLU => x.silu(),
            Tanh => x.tanh(),
            Sigmoid => x.sigmoid(),
            GELU g => TraceTorch.nn.functional.gelu(x, g.approximate),
            Softplus s => x.softplus(s.beta, s.threshold),
            Identity => x,
            Dropout d => DropoutOp(session, d, x),
            LayerNorm n => TraceTorch.nn.functional.layer_norm(x, n.normalized_shape, State(session, n, "weight", n.weight),
                State(session, n, "bias", n.bias), n.eps),
            Embedding e => Recorder.Call("embedding", false, [State(session, e, "weight", e.weight), x],
                r => e.forward(r[x])),
            _ => Sequence(module, x),
        };
        return true;
    }

    /// <summary>A built-in module's parameter, found by its registered name (TorchSharp may hand out a new wrapper
    /// object on each property read), or null when the module has none.</summary>
    private static TraceTensor? State(TraceSession session, torch.nn.Module module, string name, torch.Tensor? current) =>
        current is null ? null : session.StateOf(module, name) ?? TraceRuntime.Lift(current);

    private static TraceTensor Sequence(torch.nn.Module sequential, TraceTensor x)
    {
        foreach (var (_, child) in sequential.named_children())
        {
            x = TraceRuntime.CallModule<TraceTensor>(child, "forward", x);
        }

        return x;
    }

    private static TraceTensor DropoutOp(TraceSession session, Dropout d, TraceTensor x)
    {
        var path = session.PathOf(d);
        if (path is null)
        {
            throw new TracingException($"{session.Describe()}: the Dropout module is not a registered submodule.");
        }

        session.Holder(path);
        var training = new TypedExpr(new SelfAttrExpr([.. TraceSession.IrPath(path), "training"]), TsType.Bool, d.training);
        return Recorder.Call("dropout", false, [x, d.p, training], r => torch.nn.functional.dropout(r[x], d.p, d.training));
    }
}

/// <summary>An IR expression passed as a recorded argument, with its type and the C# value it has while tracing.</summary>
/// <param name="Expr">The expression.</param>
/// <param name="Type">Its TorchScript type.</param>
/// <param name="Value">Its value while tracing.</param>
internal sealed record TypedExpr(Expr Expr, TsType Type, object? Value);
