using System.Runtime.CompilerServices;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// Turns what a module's forward really runs on example inputs into TorchScript IR. The module's tracing twin
/// (generated from its C# source) runs with recording tensors: structure loops unroll, tensors that do not depend
/// on the inputs become constants, registered parameters and buffers become attributes of the traced class
/// (parameters stay trainable), compiled children are called as <c>self.child.forward(...)</c>.
/// </summary>
internal static class Tracer
{
    /// <summary>
    /// Traces <paramref name="module"/>'s forward on <paramref name="exampleInputs"/>.
    /// </summary>
    /// <param name="module">The module (a partial class with a generated tracing twin, or a supported TorchSharp
    /// built-in module).</param>
    /// <param name="exampleInputs">The forward's tensor arguments, in order. Free (batch) dimensions should be larger
    /// than 1: a dimension of size 1 in an example input is taken for a broadcast dimension.</param>
    /// <param name="context">The compilation: compiled children are looked up here; warnings go here.</param>
    /// <param name="fixedLastDimension">Whether the last dimension of each input is an architecture constant: the
    /// traced forward then starts with a check per input that raises a clear error for another last dimension. All
    /// other dimensions (all of them when false) are free: sizes read from them stay symbolic.</param>
    /// <returns>The IR of the traced module: a class named by <see cref="CompileContext.NewClassName"/> with a
    /// <c>forward</c> whose parameters are the tensor inputs.</returns>
    /// <exception cref="TracingException">The module cannot be traced (the message names the module, the operation and
    /// the source line).</exception>
    public static ModuleInstance Trace(torch.nn.Module module, IReadOnlyList<torch.Tensor> exampleInputs, CompileContext context,
        bool fixedLastDimension)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(exampleInputs);
        ArgumentNullException.ThrowIfNull(context);
        var type = module.GetType();
        for (var i = 0; i < exampleInputs.Count; i++)
        {
            if (exampleInputs[i] is null)
            {
                throw new ArgumentException($"Tracing {type.Name}: example input {i} is null.", nameof(exampleInputs));
            }
        }

        var twin = TraceRegistry.Find(type, "forward", exampleInputs.Count);
        var builtin = twin is null && BuiltinTrace.IsSupported(type);
        if (twin is null && !builtin)
        {
            throw new TracingException(NotTraceableMessage(type, exampleInputs.Count));
        }

        var names = twin is null
            ? ["input"]
            : UniqueNames(twin.ParameterNames);
        if (builtin && exampleInputs.Count != 1)
        {
            throw new TracingException($"Tracing {type.Name}: a built-in module takes one input, got {exampleInputs.Count}.");
        }

        var instance = TraceOnce(module, exampleInputs, context, fixedLastDimension, twin, names,
            context.NewClassName(type), gradMode: true, out var readGradMode);
        TraceExports(module, context, fixedLastDimension, instance);
        if (!readGradMode)
        {
            GradModeTraced.Remove(module);
            return instance;
        }

        // The forward asked for the grad mode (TorchScript.GradEnabled): trace it again for the other one, and
        // dispatch between the two traces with torch.is_grad_enabled().
        var noGrad = TraceOnce(module, exampleInputs, context, fixedLastDimension, twin, names,
            instance.Class.QualifiedName, gradMode: false, out _);
        var traced = instance.Class.FindMethod("forward")!;
        var withoutGrad = noGrad.Class.FindMethod("forward")!;
        instance.Class.ReplaceMethod("forward", new MethodDef(GradMethod, traced.Parameters, traced.ReturnType, traced.Body));
        instance.AddMethod(new MethodDef(NoGradMethod, withoutGrad.Parameters, withoutGrad.ReturnType, withoutGrad.Body));
        var dispatch = new MethodBuilder("forward", traced.ReturnType).Params(traced.Parameters);

        var args = traced.Parameters.Select(p => (Expr)new VarExpr(p.Name)).ToArray();
        dispatch.If(IrBuilder.Torch("is_grad_enabled"), then => then.Return(IrBuilder.SelfCall(GradMethod, args)));
        dispatch.Return(IrBuilder.SelfCall(NoGradMethod, args));
        instance.AddMethod(dispatch.Build());
        GradModeTraced.AddOrUpdate(module, TracedPerGradMode);
        return instance;
    }

    /// <summary>
    /// Traces the module's <see cref="Scripting.ExportAttribute"/> methods for which it gives example inputs
    /// (<see cref="ITracingInputs.MakeExportInputs"/>) and adds each to <paramref name="instance"/>'s class under its
    /// export name (the state is the forward's: every parameter and buffer is declared by each trace).
    /// </summary>
    private static void TraceExports(torch.nn.Module module, CompileContext context, bool fixedLastDimension,
        ModuleInstance instance)
    {
        if (module is not ITracingInputs source)
        {
            return;
        }

        var type = module.GetType();
        var done = new HashSet<string>(StringComparer.Ordinal);
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            const System.Reflection.BindingFlags flags = System.Reflection.BindingFlags.Instance |
                System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic |
                System.Reflection.BindingFlags.DeclaredOnly;
            foreach (var method in t.GetMethods(flags))
            {
                if (method.GetCustomAttributes(typeof(Scripting.ExportAttribute), false).FirstOrDefault()
                    is not Scripting.ExportAttribute export)
                {
                    continue;
                }

                var name = export.Name ?? method.Name;
                if (done.Contains(name) || source.MakeExportInputs(name) is not { } inputs ||
                    inputs.Count != method.GetParameters().Length ||
                    TraceRegistry.Find(type, method.Name, inputs.Count) is not { } twin)
                {
                    continue;
                }

                var exportName = name;
                var traced = TraceOnce(module, inputs, context, fixedLastDimension, twin, UniqueNames(twin.ParameterNames),
                    instance.Class.QualifiedName, gradMode: true, out _, i => source.ExportFreeDimensions(exportName, i));
                var m = traced.Class.FindMethod("forward")!;
                instance.AddMethod(new MethodDef(name, m.Parameters, m.ReturnType, m.Body));
                done.Add(name);
            }
        }
    }

    /// <summary>The trace with autograd of a module traced once per grad mode (see <see cref="TorchScript.GradEnabled"/>).</summary>
    public const string GradMethod = "forward_grad";

    /// <summary>The trace without autograd of a module traced once per grad mode.</summary>
    public const string NoGradMethod = "forward_no_grad";

    /// <summary>Modules whose last trace read <see cref="TorchScript.GradEnabled"/> (traced once per grad mode).</summary>
    internal static readonly ConditionalWeakTable<torch.nn.Module, object> GradModeTraced = new();

    private static readonly object TracedPerGradMode = new();

    private static ModuleInstance TraceOnce(torch.nn.Module module, IReadOnlyList<torch.Tensor> exampleInputs,
        CompileContext context, bool fixedLastDimension, TwinMethod? twin, string[] names, string className,
        bool gradMode, out bool readGradMode, Func<int, bool[]?>? freeDimensions = null)
    {
        var type = module.GetType();
        var instance = new ModuleInstance(className) { Training = module.training };
        var guards = new List<Stmt>();
        var parameters = new List<Param>();
        object? result;
        using (var scope = torch.NewDisposeScope())
        using (torch.no_grad())
        using (var session = new TraceSession(module, context, instance, shadow: true) { GradMode = gradMode, FixedLastDimension = fixedLastDimension })
        {
            var inputs = new object?[exampleInputs.Count];
            for (var i = 0; i < exampleInputs.Count; i++)
            {
                var x = exampleInputs[i];
                // Every dimension but a fixed last one is free, unless the module says otherwise (exported methods).
                var free = freeDimensions?.Invoke(i) ??
                           Enumerable.Range(0, (int)x.ndim).Select(d => !(fixedLastDimension && d == x.ndim - 1)).ToArray();
                if (free.Length != x.ndim)
                {
                    throw new TracingException(
                        $"{type.Name}: the free dimensions given for example input {i} are {free.Length}, but it has {x.ndim}.");
                }

                inputs[i] = TraceTensor.Input(x, Enlarge(x, free), names[i], free);
                parameters.Add(new Param(names[i], TsType.Tensor));
                if (x.ndim > 0 && !free[^1])
                {
                    var last = x.shape[^1];
                    var actual = new MethodCallExpr(new VarExpr(names[i]), "size", [new IntLiteral(-1)], []);
                    var message = new StrLiteral(
                        $"{type.Name}: the last dimension of argument '{names[i]}' must be {last} (the size it was traced with), " +
                        "but the given tensor's last dimension is ");
                    guards.Add(new IfStmt(
                        new BinaryExpr(BinaryOp.Ne, actual, new IntLiteral(last)),
                        [new RaiseStmt(new BinaryExpr(BinaryOp.Add, message, new BuiltinCallExpr("str", [actual])))],
                        []));
                }
            }

            result = twin is not null
                ? twin.Invoker(module, inputs)
                : BuiltinTrace.TryCall(session, module, inputs, out var r) ? r : null;
            var (returnExpr, returnType) = ReturnValue(result, type);
            session.DeclareAllState();
            var body = new List<Stmt>(guards);
            body.AddRange(session.Body);
            body.Add(new ReturnStmt(returnExpr));
            instance.AddMethod(new MethodDef("forward", parameters, returnType, NativeBackward.Rewrite(body)));
            readGradMode = session.GradModeRead;
        }

        return instance;
    }

    /// <summary>
    /// The trace check (the same one <see cref="TorchScript.Compile"/> runs): runs the compiled module and the eager
    /// module on each input tuple and throws when they disagree: an output differs in structure, shape, dtype or by
    /// more than the dtype's tolerance (float32: 1e-5 + 1e-5·max|y|; float64: 1e-10 + 1e-10·max|y|; exact for other
    /// dtypes), the compiled module rejects an input the eager one accepts, or the eager module fails. The message
    /// names the module, the input tuple and its shapes, the difference, and suggests script mode. A failure means
    /// the trace does not generalise (for example data-dependent control flow, reported as a warning while tracing).
    /// </summary>
    /// <param name="module">The eager module.</param>
    /// <param name="compiled">The loaded traced module.</param>
    /// <param name="inputs">The check inputs (each tuple holds the forward's tensor arguments).</param>
    /// <param name="context">The compilation whose warnings are quoted in the message (optional).</param>
    /// <exception cref="TracingException">The check failed.</exception>
    public static void Check(torch.nn.Module module, torch.jit.ScriptModule compiled, IEnumerable<IReadOnlyList<torch.Tensor>> inputs,
        CompileContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(compiled);
        ArgumentNullException.ThrowIfNull(inputs);
        var tuples = inputs.Select(args => args.ToArray()).ToList();
        if (TorchScript.TraceCheck.Find(module, compiled, tuples, context?.Warnings ?? []) is { } failure)
        {
            throw failure.Cause is null ? new TracingException(failure.Message) : new TracingException(failure.Message, failure.Cause);
        }
    }

    /// <summary>Whether modules of <paramref name="moduleType"/> can be traced: the class has a generated tracing twin
    /// of its forward (it is partial and its forward uses only traceable operations), or it is a supported TorchSharp
    /// built-in module.</summary>
    /// <param name="moduleType">The module type.</param>
    public static bool CanTrace(Type moduleType)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        return TraceRegistry.HasForward(moduleType) || BuiltinTrace.IsSupported(moduleType);
    }

    /// <summary>Why <paramref name="moduleType"/> cannot be traced with <paramref name="inputCount"/> inputs.</summary>
    private static string NotTraceableMessage(Type moduleType, int inputCount)
    {
        if (TraceRegistry.WhyUntraceable(moduleType) is { } reason)
        {
            return $"Cannot trace module type {moduleType.FullName}: its tracing twin could not be generated ({reason}).";
        }

        var arities = TraceRegistry.ForwardArities(moduleType);
        if (arities.Count > 0)
        {
            return $"Cannot trace module type {moduleType.FullName} with {inputCount} input(s): its traced forward takes " +
                   $"{string.Join(" or ", arities)} tensor argument(s).";
        }

        if (E3SharpGeneratorRanAttribute.GeneratorMissing(moduleType) is { } missing)
        {
            return missing;
        }

        return $"Cannot trace module type {moduleType.FullName}: it has no tracing twin (declare the class 'partial', and " +
               "every class containing it, so the E3Sharp source generator twins its forward) and it is not a supported " +
               $"TorchSharp built-in module ({BuiltinTrace.SupportedNames}).";
    }

    private static string[] UniqueNames(IReadOnlyList<string> names)
    {
        var result = new string[names.Count];
        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < names.Count; i++)
        {
            var n = Names.ToLocalName(names[i]);
            if (n.StartsWith("_t", StringComparison.Ordinal) || !used.Add(n))
            {
                n = $"arg{i}_{n.TrimStart('_')}";
                used.Add(n);
            }

            result[i] = n;
        }

        return result;
    }

    /// <summary>The shadow input: every free dimension enlarged by one (a copy of the first slice, zeros when empty).
    /// Dimensions of size 1 stay (they are usually broadcast dimensions).</summary>
    private static torch.Tensor Enlarge(torch.Tensor x, bool[] free)
    {
        var s = x;
        for (var d = 0; d < free.Length; d++)
        {
            if (!free[d] || s.shape[d] == 1)
            {
                continue;
            }

            var extra = s.shape[d] == 0
                ? torch.zeros(s.shape.Select((n, k) => k == d ? 1L : n).ToArray(), s.dtype, s.device)
                : s.narrow(d, 0, 1);
            s = torch.cat([s, extra], d);
        }

        return ReferenceEquals(s, x) ? x.alias() : s;
    }

    private static (Expr Expr, TsType Type) ReturnValue(object? result, Type moduleType)
    {
        switch (result)
        {
            case TraceTensor t:
                return (t.GetExpr(), TsType.Tensor);
            case IEnumerable<TraceTensor> list:
            {
                var items = list.ToArray();
                return (new ListExpr(items.Select(t => t.GetExpr()).ToArray(), TsType.Tensor), TsType.List(TsType.Tensor));
            }

            case ITuple tuple when Enumerable.Range(0, tuple.Length).All(i => tuple[i] is TraceTensor):
            {
                var items = Enumerable.Range(0, tuple.Length).Select(i => (TraceTensor)tuple[i]!).ToArray();
                return (new TupleExpr(items.Select(t => t.GetExpr()).ToArray()),
                    TsType.Tuple(items.Select(_ => TsType.Tensor).ToArray()));
            }

            case IrTupleResult tr:
                return (new TupleExpr(tr.Items.Select(t => t.GetExpr()).ToArray()),
                    TsType.Tuple(tr.Items.Select(_ => TsType.Tensor).ToArray()));
            default:
                throw new TracingException(
                    $"Tracing {moduleType.Name}: forward returned {(result is null ? "null" : "a " + result.GetType().Name)}; a traced " +
                    "forward must return a tensor, an array/list of tensors or a tuple of tensors.");
        }
    }
}
