using E3Sharp.Jit.Import;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// Compiles <paramref name="module"/> to TorchScript (e3nn's <c>e3nn.util.jit.compile</c>): walks the module tree
    /// children first; every module with a compile mode is traced or scripted, its compiled children called as
    /// submodules (<c>self.child.forward(...)</c>); children that are already TorchScript modules (loaded from a
    /// file, for example one written by Python e3nn) are kept as they are; finally the module itself is compiled by
    /// its mode and the whole tree written as one TorchScript archive and loaded.
    /// </summary>
    /// <param name="module">The module to compile. It must have a compile mode (see <see cref="GetCompileMode"/>);
    /// use <see cref="Script"/> or <see cref="Trace"/> for a module without one. A module that is already a
    /// TorchScript module is returned as it is.</param>
    /// <param name="nTraceChecks">How many extra tracing inputs check each traced module (at least 1): every traced
    /// module is traced on its first tracing input, then its compiled form is run on all of them and compared with
    /// the eager module.</param>
    /// <param name="inPlace">
    /// false (default): the original module is left exactly as it was: its parameters, buffers and training flags
    /// are restored after compiling (tracing runs its forward, which may update state such as running averages),
    /// and the compiled module owns copies of the parameters, so training one does not change the other.
    /// true: nothing is restored, and the original module's parameters and buffers are made to share storage with
    /// the compiled module's, so training either updates both (the C# counterpart of e3nn replacing the children of
    /// the original module by their compiled versions).
    /// </param>
    /// <returns>The compiled module: callable, trainable (its parameters require gradients like the originals),
    /// saveable with <c>torch.jit.save</c>; <see cref="Describe"/> shows how each part was compiled.</returns>
    /// <exception cref="NotSupportedException">A module of the tree is marked <see cref="JitMode.Unsupported"/>
    /// (nothing is compiled).</exception>
    /// <exception cref="ArgumentException">The module has no compile mode.</exception>
    /// <exception cref="InvalidOperationException">A traced module has no tracing inputs, or a trace check failed.</exception>
    public static torch.jit.ScriptModule Compile(torch.nn.Module module, int nTraceChecks = 1, bool inPlace = false) =>
        CompileAndLoad(module, nTraceChecks, inPlace, static bytes => torch.jit.load(bytes));

    /// <summary>Compiles a one-input module; see <see cref="Compile(torch.nn.Module, int, bool)"/>.</summary>
    /// <typeparam name="T">The input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="module">The module.</param>
    /// <param name="nTraceChecks">Trace checks per traced module (at least 1).</param>
    /// <param name="inPlace">Share parameters with the original instead of restoring its state (see the untyped overload).</param>
    /// <returns>The compiled module, typed like the original.</returns>
    public static torch.jit.ScriptModule<T, TResult> Compile<T, TResult>(
        torch.nn.Module<T, TResult> module, int nTraceChecks = 1, bool inPlace = false) =>
        CompileAndLoad(module, nTraceChecks, inPlace, static bytes => torch.jit.load<T, TResult>(bytes));

    /// <summary>Compiles a two-input module; see <see cref="Compile(torch.nn.Module, int, bool)"/>.</summary>
    /// <typeparam name="T1">The first input type.</typeparam>
    /// <typeparam name="T2">The second input type.</typeparam>
    /// <typeparam name="TResult">The output type.</typeparam>
    /// <param name="module">The module.</param>
    /// <param name="nTraceChecks">Trace checks per traced module (at least 1).</param>
    /// <param name="inPlace">Share parameters with the original instead of restoring its state (see the untyped overload).</param>
    /// <returns>The compiled module, typed like the original.</returns>
    public static torch.jit.ScriptModule<T1, T2, TResult> Compile<T1, T2, TResult>(
        torch.nn.Module<T1, T2, TResult> module, int nTraceChecks = 1, bool inPlace = false) =>
        CompileAndLoad(module, nTraceChecks, inPlace, static bytes => torch.jit.load<T1, T2, TResult>(bytes));

    private static TScript CompileAndLoad<TScript>(
        torch.nn.Module module, int nTraceChecks, bool inPlace, Func<byte[], TScript> load)
        where TScript : torch.jit.ScriptModule
    {
        ArgumentNullException.ThrowIfNull(module);
        if (module is torch.jit.ScriptModule already)
        {
            if (already is TScript typed)
            {
                return typed;
            }

            // An untyped TorchScript module asked for with a typed signature: reload it typed.
            return load(E3Sharp.Jit.Serialization.TorchScriptArchive.SaveToBytes(already));
        }

        return CompileCore(module, nTraceChecks, inPlace, load);
    }

    /// <summary>
    /// Compiles a tree (the common part of Compile, Script and Trace): checks, walks, writes the archive, loads it,
    /// runs the top module's trace check on the loaded module, and restores or shares the original's state.
    /// </summary>
    private static TScript CompileCore<TScript>(
        torch.nn.Module module, int nTraceChecks, bool inPlace, Func<byte[], TScript> load)
        where TScript : torch.jit.ScriptModule
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nTraceChecks, 1);

        // Refuse before doing any work, like e3nn (it checks at every level before recursing).
        CheckSupported(module);
        if (GetCompileMode(module) is null)
        {
            throw new ArgumentException(
                $"{TypeName(module)} has no compile mode, so TorchScript.Compile cannot compile it (e3nn would return " +
                "it uncompiled, but Compile must return a TorchScript module). Mark its class with " +
                "[CompileMode(JitMode.Script)] or [CompileMode(JitMode.Trace)], or compile it with " +
                "TorchScript.Script(module) or TorchScript.Trace(module, exampleInputs).", nameof(module));
        }

        using var snapshot = inPlace ? null : StateSnapshot.Take(module);
        try
        {
            var context = new CompileContext();
            var imports = new ImportSet();
            var walker = new TreeCompiler(context, imports, nTraceChecks, module);
            var record = walker.Compile(module);
            var root = context.TryGetCompiled(module)?.Instance ?? throw new InvalidOperationException(
                $"Internal error: {TypeName(module)} was compiled but left no IR in the compile context.");
            var compiled = load(imports.WriteArchive(root));
            try
            {
                if (walker.RootTraceCheck is { } check)
                {
                    // The top module's trace check runs on the final module (its archive is the same).
                    TraceCheck.Run(module, compiled, check.Inputs, check.Warnings);
                }
            }
            catch
            {
                compiled.Dispose();
                throw;
            }

            Records.AddOrUpdate(compiled, record with { Warnings = context.Warnings.ToArray() });
            if (inPlace)
            {
                ShareState(module, root, compiled);
            }

            return compiled;
        }
        finally
        {
            snapshot?.Restore();
        }
    }

    /// <summary>
    /// Throws <see cref="NotSupportedException"/> naming the first module (pre-order, registration order) marked
    /// <see cref="JitMode.Unsupported"/>.
    /// </summary>
    private static void CheckSupported(torch.nn.Module module)
    {
        if (module is torch.jit.ScriptModule)
        {
            return;
        }

        if (GetCompileMode(module) == JitMode.Unsupported)
        {
            throw new NotSupportedException($"{TypeName(module)} does not support TorchScript compilation");
        }

        foreach (var (_, child) in module.named_children())
        {
            CheckSupported(child);
        }
    }

    /// <summary>The children-first walk of one compilation.</summary>
    private sealed class TreeCompiler(CompileContext context, ImportSet imports, int nTraceChecks, torch.nn.Module root)
    {
        /// <summary>The top module's trace check, left for the final loaded module (null when it is not traced).</summary>
        public (IReadOnlyList<torch.Tensor[]> Inputs, IReadOnlyList<string> Warnings)? RootTraceCheck { get; private set; }

        /// <summary>A node of the record under construction (holds the module only during the compilation).</summary>
        private sealed class Node(string? name, torch.nn.Module module)
        {
            public string? Name { get; } = name;

            public torch.nn.Module Module { get; } = module;

            public List<Node> Children { get; } = [];

            public IReadOnlyList<CompileRecord>? Fixed { get; set; }

            public string? TypeName { get; set; }
        }

        public CompileRecord Compile(torch.nn.Module module)
        {
            var node = CompileNode(module, null);
            return ToRecord(node);
        }

        /// <summary>
        /// Turns the walk into the record: a module without a mode shows how its parent's front end compiled it
        /// (the context knows when the front end gave it its own class) or that it was compiled into its parent.
        /// </summary>
        private CompileRecord ToRecord(Node node)
        {
            var how = context.TryGetCompiled(node.Module) is { } c ? HowText(c.How) : null;
            var children = node.Fixed ?? node.Children.Select(ToRecord).ToArray();
            return new CompileRecord(node.Name, node.TypeName ?? TypeName(node.Module), how, children);
        }

        private Node CompileNode(torch.nn.Module module, string? name)
        {
            var node = new Node(name, module);
            if (context.TryGetCompiled(module) is not null)
            {
                // The same module object appears twice in the tree: compiled once, shared.
                node.Fixed = [];
                return node;
            }

            if (module is torch.jit.ScriptModule script)
            {
                var imported = imports.Import(script, context);
                context.SetCompiled(module, imported, CompiledHow.Loaded);
                node.Fixed = imports.DescribeChildren(imported);
                node.TypeName = imports.ClassName(imported);
                return node;
            }

            foreach (var (childName, child) in module.named_children())
            {
                node.Children.Add(CompileNode(child, childName));
            }

            switch (GetCompileMode(module))
            {
                case JitMode.Script:
                {
                    var instance = FrontEnds.Script(module, context);
                    context.SetCompiled(module, instance, CompiledHow.Scripted);
                    break;
                }

                case JitMode.Trace:
                {
                    var (inputs, fixedLast) = TracingInputs(module);
                    var warningsBefore = context.Warnings.Count;
                    var instance = FrontEnds.Trace(module, inputs, context, fixedLast);
                    var warnings = context.Warnings.Skip(warningsBefore).ToArray();
                    if (ReferenceEquals(module, root))
                    {
                        RootTraceCheck = (inputs, warnings);
                    }
                    else
                    {
                        TraceCheck.Run(module, instance, inputs, imports, warnings);
                    }

                    context.SetCompiled(module, instance, CompiledHow.Traced);
                    break;
                }

                case JitMode.Unsupported:
                    throw new NotSupportedException($"{TypeName(module)} does not support TorchScript compilation");

                default:
                    break;
            }

            return node;
        }

        private (IReadOnlyList<torch.Tensor[]> Inputs, bool FixedLastDimension) TracingInputs(torch.nn.Module module)
        {
            var typeName = TypeName(module);
            if (GetExampleInputs(module) is { } examples)
            {
                return (examples, true);
            }

            if (module is ITracingInputs maker)
            {
                var made = maker.MakeTracingInputs(nTraceChecks + 1);
                if (made is null || made.Count == 0)
                {
                    throw new InvalidOperationException(
                        $"{typeName}.MakeTracingInputs({nTraceChecks + 1}) returned no inputs; it must return at least one input tuple.");
                }

                for (var i = 0; i < made.Count; i++)
                {
                    if (made[i] is null || Array.Exists(made[i], t => t is null))
                    {
                        throw new InvalidOperationException(
                            $"{typeName}.MakeTracingInputs returned a null input tuple or tensor (tuple {i}).");
                    }
                }

                return (made, maker.FixedLastDimension);
            }

            // A parameterless one-tensor child (an activation such as Nn.Abs inside Gate or Activation): traced on
            // random [rows, features] tensors of the default dtype with every dimension free; the trace check on
            // other shapes catches a module that is not elementwise after all.
            if (!ReferenceEquals(module, root) && module is torch.nn.Module<torch.Tensor, torch.Tensor> &&
                !module.parameters().Any() && !module.buffers().Any())
            {
                var generic = Enumerable.Range(0, nTraceChecks + 1)
                    .Select(k => new[] { torch.randn(3 + k, 5 + k) })
                    .ToArray();
                return (generic, false);
            }

            throw new InvalidOperationException(
                $"Cannot trace {typeName}: it has no tracing inputs. Implement ITracingInputs on {typeName} " +
                "(MakeTracingInputs returns example input tuples), or, for the top module, pass example inputs to " +
                "TorchScript.Trace(module, exampleInputs).");
        }
    }

    private static string HowText(CompiledHow how) => how switch
    {
        CompiledHow.Traced => "traced",
        CompiledHow.Scripted => "scripted",
        CompiledHow.Loaded => "loaded",
        _ => how.ToString(),
    };
}
