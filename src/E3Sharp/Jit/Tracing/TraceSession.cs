using System.Diagnostics;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// The state of one running trace (thread-static while <see cref="Tracer.Trace"/> runs): the statements recorded so
/// far, the module's registered tensors and submodules (looked up by reference), the IR instances that hold the
/// traced module's state, and the warnings. Every <see cref="TraceTensor"/> operation records here.
/// </summary>
internal sealed class TraceSession : IDisposable
{
    [ThreadStatic]
    private static TraceSession? t_current;

    private readonly TraceSession? _previous;
    private readonly Dictionary<torch.Tensor, (string Path, AttributeKind Kind)> _state = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<torch.nn.Module, string> _modulePaths = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, torch.nn.Module> _modulesByPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, torch.Tensor> _stateByPath = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModuleInstance> _holders = new(StringComparer.Ordinal);
    private readonly Dictionary<torch.Tensor, TensorConstantExpr> _constants = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _warned = new(StringComparer.Ordinal);
    private readonly List<(torch.nn.Module Module, string Path)> _moduleStack = [];
    private int _next;

    public TraceSession(torch.nn.Module root, CompileContext context, ModuleInstance rootInstance, bool shadow)
    {
        Root = root;
        Context = context;
        RootInstance = rootInstance;
        ShadowEnabled = shadow;
        _modulePaths[root] = "";
        _modulesByPath[""] = root;
        foreach (var (name, m) in root.named_modules())
        {
            if (name.Length > 0 && _modulePaths.TryAdd(m, name))
            {
                _modulesByPath[name] = m;
            }
        }

        foreach (var (name, p) in root.named_parameters())
        {
            _state.TryAdd(p, (name, AttributeKind.Parameter));
            _stateByPath.TryAdd(name, p);
        }

        // Non-persistent buffers too (constants a module derives, like TensorProduct's CG blocks): as buffers of the
        // compiled module they follow .to(dtype / device), as e3nn's do, where folded constants would stay behind.
        foreach (var (name, b) in AllBuffers(root))
        {
            _state.TryAdd(b, (name, AttributeKind.Buffer));
            _stateByPath.TryAdd(name, b);
        }

        _holders[""] = rootInstance;
        _moduleStack.Add((root, ""));
        _previous = t_current;
        t_current = this;
    }

    // Every buffer of the module tree, persistent or not (TorchSharpInternals reads TorchSharp's registry).
    internal static IEnumerable<(string Name, torch.Tensor Buffer)> AllBuffers(torch.nn.Module root) =>
        TorchSharpInternals.AllBuffers(root);

    /// <summary>The grad mode this trace is for (what <see cref="TorchScript.GradEnabled"/> answers while it runs).</summary>
    public bool GradMode { get; init; } = true;

    /// <summary>Whether the inputs' last dimension is fixed (<see cref="ITracingInputs.FixedLastDimension"/>); when
    /// false the shadow run changes it too.</summary>
    public bool FixedLastDimension { get; init; } = true;

    /// <summary>Whether the traced forward asked for the grad mode (then the module is traced once per mode).</summary>
    public bool GradModeRead { get; private set; }

    /// <summary>Answers <see cref="TorchScript.GradEnabled"/> during the trace and notes that it was asked.</summary>
    public bool ReadGradMode()
    {
        GradModeRead = true;
        return GradMode;
    }

    /// <summary>Whether a trace is running on this thread.</summary>
    public static bool IsActive => t_current is not null;

    /// <summary>The running trace.</summary>
    public static TraceSession Current => t_current ?? throw new InvalidOperationException(
        "A tracing twin (TraceTensor/TraceTorch code) ran outside Tracer.Trace; tracing twins are only called by the tracer.");

    public torch.nn.Module Root { get; }

    public CompileContext Context { get; }

    public ModuleInstance RootInstance { get; }

    public bool ShadowEnabled { get; }

    public List<Stmt> Body { get; } = [];

    public void Dispose() => t_current = _previous;

    // ------------------------------------------------------------------------------------------------------------
    // Locations and warnings

    /// <summary>The current module (type and path) and the user source line, for messages.</summary>
    public static string Where() => t_current?.Describe() ?? "tracing";

    public string Describe()
    {
        var (m, path) = _moduleStack[^1];
        var s = path.Length == 0
            ? $"module {m.GetType().Name}"
            : $"module {m.GetType().Name} (submodule '{path}' of {Root.GetType().Name})";
        var line = SourceLine();
        return line is null ? s : $"{s} at {line}";
    }

    /// <summary>The innermost user source line of a tracing twin on the stack (twins carry #line directives).</summary>
    public static string? SourceLine()
    {
        var frames = new StackTrace(1, true).GetFrames();
        foreach (var f in frames)
        {
            var method = f.GetMethod();
            if (method is null || !(method.Name.Contains("__trace_", StringComparison.Ordinal) ||
                                    (method.DeclaringType?.Name.Contains("__trace_", StringComparison.Ordinal) ?? false)))
            {
                continue;
            }

            var file = f.GetFileName();
            if (file is not null && f.GetFileLineNumber() > 0)
            {
                return $"{Path.GetFileName(file)}:line {f.GetFileLineNumber()}";
            }
        }

        return null;
    }

    public static void WarnCurrent(string message) => t_current?.Warn(message);

    public void Warn(string message)
    {
        var full = $"Tracer warning in {Describe()}: {message}";
        if (_warned.Add(full))
        {
            Context.Warn(full);
        }
    }

    public void PushModule(torch.nn.Module module) => _moduleStack.Add((module, PathOf(module) ?? "?"));

    public void PopModule() => _moduleStack.RemoveAt(_moduleStack.Count - 1);

    // ------------------------------------------------------------------------------------------------------------
    // Names and state

    public string NewVar() => $"_t{_next++}";

    public string? PathOf(torch.nn.Module module) => _modulePaths.TryGetValue(module, out var p) ? p : null;

    public bool TryGetState(torch.Tensor tensor, out (string Path, AttributeKind Kind) state) => _state.TryGetValue(tensor, out state);

    /// <summary>The registered parameter or buffer <paramref name="name"/> of <paramref name="module"/> (by path: some
    /// TorchSharp modules hand out a new wrapper object on every property read).</summary>
    public TraceTensor? StateOf(torch.nn.Module module, string name)
    {
        var path = PathOf(module);
        var full = string.IsNullOrEmpty(path) ? name : path + "." + name;
        if (path is null || !_stateByPath.TryGetValue(full, out var t))
        {
            return null;
        }

        var (p, kind) = _state[t];
        return TraceTensor.State(t, p, kind);
    }

    public IEnumerable<(torch.Tensor Tensor, string Path, AttributeKind Kind)> AllState =>
        _state.Select(kv => (kv.Key, kv.Value.Path, kv.Value.Kind));

    public IEnumerable<(torch.nn.Module Module, string Path)> AllModules =>
        _modulePaths.Where(kv => kv.Value.Length > 0).Select(kv => (kv.Key, kv.Value));

    /// <summary>An eager module path ("layers.0.lin") as IR attribute names (["layers", "0", "lin"]).</summary>
    public static string[] IrPath(string path) =>
        path.Length == 0 ? [] : path.Split('.').Select(AttrName).ToArray();

    /// <summary>A TorchSharp component name as a TorchScript attribute name.</summary>
    public static string AttrName(string name)
    {
        if (Names.AttributeNameProblem(name) is null)
        {
            return name;
        }

        var chars = name.Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        var s = "m_" + new string(chars).TrimStart('_');
        return Names.MemberNameProblem(s) is null ? s : "m_" + Math.Abs(name.GetHashCode()).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The IR instance holding the state of the module at <paramref name="path"/> (created on first use;
    /// a compiled child is its compiled instance).</summary>
    public ModuleInstance Holder(string path)
    {
        if (_holders.TryGetValue(path, out var h))
        {
            return h;
        }

        var dot = path.LastIndexOf('.');
        var parent = Holder(dot < 0 ? "" : path[..dot]);
        var name = AttrName(dot < 0 ? path : path[(dot + 1)..]);
        var module = _modulesByPath.GetValueOrDefault(path);
        ModuleInstance instance;
        if (module is not null && Context.TryGetCompiled(module) is { } compiled)
        {
            instance = compiled.Instance;
        }
        else
        {
            instance = new ModuleInstance(Context.NewClassName(module?.GetType() ?? typeof(torch.nn.Module)))
            {
                Training = module?.training ?? true,
            };
        }

        parent.AddSubmodule(name, instance);
        _holders[path] = instance;
        return instance;
    }

    public bool IsCompiledHolder(string path) =>
        _modulesByPath.TryGetValue(path, out var m) && Context.TryGetCompiled(m) is not null;

    /// <summary><c>self.a.b.name</c> for a registered parameter or buffer, declaring it on first use.</summary>
    public Expr StateExpr(torch.Tensor tensor, string path, AttributeKind kind)
    {
        var dot = path.LastIndexOf('.');
        var modulePath = dot < 0 ? "" : path[..dot];
        var name = AttrName(dot < 0 ? path : path[(dot + 1)..]);
        var holder = Holder(modulePath);
        if (IsCompiledHolder(modulePath))
        {
            if (holder.Class.FindAttribute(name) is not { IsTensorState: true })
            {
                throw new TracingException(
                    $"{Describe()}: the tensor '{path}' belongs to the compiled submodule '{modulePath}', whose TorchScript " +
                    $"class {holder.Class.QualifiedName} has no parameter or buffer '{name}'.");
            }
        }
        else if (!holder.HasValue(name))
        {
            if (kind == AttributeKind.Parameter)
            {
                holder.AddParameter(name, tensor);
            }
            else
            {
                holder.AddBuffer(name, tensor);
            }
        }

        return new SelfAttrExpr([.. IrPath(modulePath), name]);
    }

    /// <summary>Declares every registered parameter and buffer and every compiled child (the traced module keeps the
    /// eager module's whole state, used or not).</summary>
    public void DeclareAllState()
    {
        foreach (var (module, path) in AllModules.OrderBy(p => p.Path.Count(c => c == '.')).ToList())
        {
            if (Context.TryGetCompiled(module) is not null && !IsUnderCompiled(path))
            {
                Holder(path);
            }
        }

        foreach (var (tensor, path, kind) in AllState.ToList())
        {
            var dot = path.LastIndexOf('.');
            if (dot >= 0 && IsUnderCompiled(path[..dot], includeSelf: true))
            {
                continue;
            }

            StateExpr(tensor, path, kind);
        }
    }

    private bool IsUnderCompiled(string path, bool includeSelf = false)
    {
        var parts = path.Split('.');
        for (var i = 1; i <= parts.Length - (includeSelf ? 0 : 1); i++)
        {
            if (IsCompiledHolder(string.Join('.', parts.Take(i))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>CONSTANTS.cN</c> for a tensor that does not depend on the inputs (kept alive for the archive).</summary>
    public Expr ConstantExpr(torch.Tensor value)
    {
        if (!_constants.TryGetValue(value, out var e))
        {
            value.DetachFromDisposeScope();
            e = new TensorConstantExpr(value);
            _constants[value] = e;
        }

        return e;
    }
}
