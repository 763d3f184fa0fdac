using System.ComponentModel;
using System.Reflection;
using System.Runtime.CompilerServices;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// Entry points that generated tracing twins call: lifting tensors read from fields and properties into the trace,
/// and calling submodules (as <c>self.child.forward(...)</c> when the child is already compiled, inlined through
/// its twin otherwise, or mapped to aten ops for TorchSharp's built-in modules).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TraceRuntime
{
    /// <summary>A tensor read from a field, property or untraced method: a registered parameter or buffer of the
    /// traced module (by reference) becomes <c>self.path.name</c>; any other tensor a constant.</summary>
    /// <param name="tensor">The tensor (null stays null).</param>
    public static TraceTensor? Lift(torch.Tensor? tensor)
    {
        if (tensor is null)
        {
            return null;
        }

        var session = TraceSession.Current;
        if (session.TryGetState(tensor, out var state))
        {
            return TraceTensor.State(tensor, state.Path, state.Kind);
        }

        if (tensor is TorchSharp.Modules.Parameter)
        {
            throw new TracingException(
                $"{session.Describe()}: a Parameter that is not registered in the traced module (module " +
                $"{session.Root.GetType().Name}) was used; a trace would turn it into a constant and it would stop " +
                "training. Register it (RegisterComponents() in the constructor, and register the module that owns it).");
        }

        return TraceTensor.Constant(tensor);
    }

    /// <summary>Lifts every tensor of an array (see <see cref="Lift"/>).</summary>
    /// <param name="tensors">The tensors.</param>
    public static TraceTensor[]? LiftArray(IEnumerable<torch.Tensor>? tensors) =>
        tensors?.Select(t => Lift(t)!).ToArray();

    /// <summary>Lifts every tensor of a list (see <see cref="Lift"/>).</summary>
    /// <param name="tensors">The tensors.</param>
    public static List<TraceTensor>? LiftList(IEnumerable<torch.Tensor>? tensors) =>
        tensors?.Select(t => Lift(t)!).ToList();

    /// <summary>The real tensor behind a trace tensor, for an external check method (void or string result) that only
    /// reads it; such a call cannot change the traced code.</summary>
    /// <param name="tensor">The trace tensor (null stays null).</param>
    public static torch.Tensor? Eager(TraceTensor? tensor) => tensor?.Value;

    /// <summary>Calls a method (<c>forward</c> for <c>call</c>) of a submodule inside a traced forward.</summary>
    /// <typeparam name="TResult">The twin type of the method's result.</typeparam>
    /// <param name="module">The submodule.</param>
    /// <param name="method">The method name.</param>
    /// <param name="args">The arguments (trace tensors and other values).</param>
    public static TResult CallModule<TResult>(torch.nn.Module module, string method, params object?[] args)
    {
        var session = TraceSession.Current;
        if (module is null)
        {
            throw new TracingException($"{session.Describe()}: a submodule called in the traced forward is null.");
        }

        var path = session.PathOf(module);
        if (method == "forward" && session.Context.TryGetCompiled(module) is { } compiled)
        {
            if (path is null)
            {
                throw new TracingException(
                    $"{session.Describe()}: the compiled module {module.GetType().Name} is called but is not a registered " +
                    $"submodule of {session.Root.GetType().Name} (register it with RegisterComponents()).");
            }

            return ConvertResult<TResult>(CallCompiled(session, module, path, compiled, args), module);
        }

        var twin = TraceRegistry.Find(module.GetType(), method, args.Length);
        if (twin is not null)
        {
            session.PushModule(module);
            try
            {
                return (TResult)twin.Invoker(module, args)!;
            }
            finally
            {
                session.PopModule();
            }
        }

        if (method == "forward")
        {
            session.PushModule(module);
            try
            {
                if (BuiltinTrace.TryCall(session, module, args, out var result))
                {
                    return ConvertResult<TResult>(result, module);
                }
            }
            finally
            {
                session.PopModule();
            }
        }

        var where = path is { Length: > 0 } ? $" (submodule '{path}')" : "";
        var reason = TraceRegistry.WhyUntraceable(module.GetType());
        throw new TracingException(
            $"{session.Describe()}: cannot trace through module type {module.GetType().FullName}{where}: " +
            (reason is not null
                ? $"its tracing twin could not be generated ({reason})."
                : E3SharpGeneratorRanAttribute.GeneratorMissing(module.GetType()) is { } missing
                    ? missing
                : method == "forward"
                    ? "it has no tracing twin (declare it 'partial' so the E3Sharp generator can twin its forward) and " +
                      "is not a supported TorchSharp built-in module (" + BuiltinTrace.SupportedNames + "). " +
                      "Give it a [CompileMode] so it is compiled on its own first, or trace it with example inputs."
                    : $"it has no tracing twin of '{method}' with {args.Length} argument(s)."));
    }

    /// <summary>Calls a base class's method twin (<c>base.forward(...)</c> or an inherited helper) inside a twin.</summary>
    /// <typeparam name="TResult">The twin type of the result.</typeparam>
    /// <param name="self">The module.</param>
    /// <param name="declaringType">The base class whose method is called.</param>
    /// <param name="method">The method name.</param>
    /// <param name="args">The arguments.</param>
    public static TResult CallBase<TResult>(object self, Type declaringType, string method, params object?[] args)
    {
        var twin = TraceRegistry.Find(declaringType, method, args.Length) ?? throw new TracingException(
            $"{TraceSession.Where()}: {declaringType.Name}.{method} with {args.Length} argument(s) has no tracing twin " +
            $"(declare {declaringType.Name} 'partial' so the E3Sharp generator twins it).");
        return (TResult)twin.Invoker(self, args)!;
    }

    private static object CallCompiled(TraceSession session, torch.nn.Module module, string path, CompiledModule compiled, object?[] args)
    {
        session.Holder(path);
        var forward = compiled.Instance.Class.FindMethod("forward") ?? throw new TracingException(
            $"{session.Describe()}: the compiled submodule '{path}' ({compiled.Instance.Class.QualifiedName}) has no forward method.");
        var exprs = args.Select(a => Recorder.Convert(a).Expr).ToArray();
        var call = new ModuleCallExpr(TraceSession.IrPath(path), "forward", exprs);
        var real = InvokeEager(session, module, args, new Run(false), path);
        var shadow = session.ShadowEnabled ? InvokeEager(session, module, args, new Run(true), path) : real;
        var name = session.NewVar();
        session.Body.Add(new AssignStmt(name, call));
        var v = new VarExpr(name);
        switch (forward.ReturnType.Kind)
        {
            case TsTypeKind.Tensor:
                return TraceTensor.Dynamic((torch.Tensor)real, (torch.Tensor)shadow, v);
            case TsTypeKind.List or TsTypeKind.Tuple:
            {
                var rs = Flatten(real);
                var ss = Flatten(shadow);
                var items = rs.Select((t, i) => TraceTensor.Dynamic(t, ss[i], new SubscriptExpr(v, [new IntLiteral(i)]))).ToArray();
                return forward.ReturnType.Kind == TsTypeKind.List ? items : new IrTupleResult(items);
            }

            default:
                throw new TracingException(
                    $"{session.Describe()}: the compiled submodule '{path}' returns {forward.ReturnType.Name}, which a traced " +
                    "forward cannot use (tensors, lists and tuples of tensors are supported).");
        }
    }

    private static torch.Tensor[] Flatten(object o) => o switch
    {
        torch.Tensor t => [t],
        torch.Tensor[] a => a,
        ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => (torch.Tensor)tuple[i]!).ToArray(),
        IEnumerable<torch.Tensor> e => e.ToArray(),
        _ => throw new TracingException($"{TraceSession.Where()}: a submodule returned a {o.GetType().Name}; tensors expected."),
    };

    private static object InvokeEager(TraceSession session, torch.nn.Module module, object?[] args, Run run, string path)
    {
        var real = args.Select(a => a is TraceTensor t ? run[t] : a).ToArray();
        var method = module.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => m.Name == "forward" && m.GetParameters().Length == args.Length)
            .FirstOrDefault(m => m.GetParameters().Select((p, i) => real[i] is null || p.ParameterType.IsInstanceOfType(real[i])).All(ok => ok))
            ?? throw new TracingException(
                $"{session.Describe()}: submodule '{path}' ({module.GetType().Name}) has no forward taking {args.Length} argument(s).");
        try
        {
            return method.Invoke(module, real) ?? throw new TracingException($"{session.Describe()}: submodule '{path}' returned null.");
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            if (run.IsShadow)
            {
                throw new TracingException(
                    $"{session.Describe()}: the compiled submodule '{path}' fails when the free (batch) dimensions of the " +
                    $"inputs change ({e.InnerException.Message}); a size from the example inputs was baked into the trace.", e.InnerException);
            }

            throw new TracingException($"{session.Describe()}: submodule '{path}' failed: {e.InnerException.Message}", e.InnerException);
        }
    }

    private static TResult ConvertResult<TResult>(object result, torch.nn.Module module)
    {
        if (result is TResult r)
        {
            return r;
        }

        var items = result switch
        {
            IrTupleResult t => t.Items,
            TraceTensor[] a => a,
            TraceTensor one => [one],
            _ => null,
        };
        if (items is not null)
        {
            var target = typeof(TResult);
            if (target == typeof(TraceTensor[]) || target.IsAssignableFrom(typeof(TraceTensor[])))
            {
                return (TResult)(object)items;
            }

            if (target == typeof(List<TraceTensor>))
            {
                return (TResult)(object)items.ToList();
            }

            if (typeof(ITuple).IsAssignableFrom(target) && target.IsGenericType &&
                target.GetGenericArguments().Length == items.Length)
            {
                return (TResult)Activator.CreateInstance(target, items.Cast<object>().ToArray())!;
            }
        }

        throw new TracingException(
            $"{TraceSession.Where()}: module {module.GetType().Name} returned a {result.GetType().Name} where the traced " +
            $"code expects a {typeof(TResult).Name}.");
    }
}

/// <summary>The items of a tuple returned by a compiled submodule.</summary>
/// <param name="Items">The items.</param>
internal sealed record IrTupleResult(TraceTensor[] Items);
