using System.ComponentModel;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Scripting;

/// <summary>
/// Joins the method IR generated for a module class with the live state of one module instance while it is being
/// scripted: tensor members become parameters or buffers (by reference among the module's registered tensors),
/// submodule members become <c>self.&lt;name&gt;.forward(...)</c> calls on their compiled IR, and values that depend
/// only on the module (ints, floats, bools, strings) become typed attributes or literals. Generated code calls these
/// members; user code does not need to.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class ScriptBinder
{
    private readonly Dictionary<string, string> _memberNames = new(StringComparer.Ordinal);
    private readonly HashSet<string> _usedNames = new(StringComparer.Ordinal);
    private readonly List<(string Name, torch.Tensor Tensor)> _parameters;
    private readonly List<(string Name, torch.Tensor Tensor)> _buffers;
    private readonly List<(string Name, torch.nn.Module Module)> _children;

    internal ScriptBinder(torch.nn.Module module, CompileContext context, ModuleInstance instance)
    {
        Module = module;
        Context = context;
        Instance = instance;
        _parameters = module.named_parameters(recurse: false).Select(p => (p.name, (torch.Tensor)p.parameter)).ToList();
        _buffers = module.named_buffers(recurse: false).Select(p => (p.name, p.buffer)).ToList();
        _children = module.named_children().Select(c => (c.name, c.module)).ToList();
    }

    /// <summary>The module being scripted.</summary>
    public torch.nn.Module Module { get; }

    /// <summary>The compilation this scripting is part of.</summary>
    internal CompileContext Context { get; }

    /// <summary>The IR instance being built (attributes are added as the generated code uses them).</summary>
    internal ModuleInstance Instance { get; }

    private string ModuleName => Module.GetType().FullName ?? Module.GetType().Name;

    /// <summary>
    /// <c>self.&lt;name&gt;</c> for a tensor member: the module's own registered parameter or buffer holding that tensor
    /// (same object or same native tensor), else a new buffer named after the member; a null tensor is <c>None</c>.
    /// </summary>
    /// <param name="value">The member's current value.</param>
    /// <param name="member">The C# member name (used in messages and for unregistered tensors).</param>
    public Expr Tensor(torch.Tensor? value, string member)
    {
        ArgumentNullException.ThrowIfNull(member);
        if (value is null)
        {
            return IrBuilder.None;
        }

        if (value.IsInvalid)
        {
            throw new ScriptingException(
                $"Cannot script {ModuleName}: its tensor member '{member}' has been disposed.");
        }

        if (Find(_parameters, value) is { } p)
        {
            if (!Instance.HasValue(p))
            {
                Instance.AddParameter(p, value);
            }

            return IrBuilder.Self(p);
        }

        if (Find(_buffers, value) is { } b)
        {
            if (!Instance.HasValue(b))
            {
                Instance.AddBuffer(b, value);
            }

            return IrBuilder.Self(b);
        }

        var key = "tensor:" + member;
        if (!_memberNames.TryGetValue(key, out var name))
        {
            name = FreshName(member);
            _memberNames[key] = name;
            Instance.AddBuffer(name, value);
        }
        else if (!ReferenceEquals(Instance.GetValue(name), value))
        {
            throw new ScriptingException(
                $"Cannot script {ModuleName}: its tensor member '{member}' changed while the module was scripted.");
        }

        return IrBuilder.Self(name);
    }

    /// <summary>
    /// <c>self.&lt;name&gt;.&lt;method&gt;(args)</c> for a call of a submodule member. The child's IR comes from the
    /// compile context; a child not compiled yet is scripted when its class can be, else the call fails with a
    /// message naming the child's type.
    /// </summary>
    /// <param name="child">The member's current value.</param>
    /// <param name="member">The C# member name.</param>
    /// <param name="method">The TorchScript method (<c>forward</c>).</param>
    /// <param name="args">The arguments.</param>
    public Expr Call(torch.nn.Module? child, string member, string method, params Expr[] args)
    {
        ArgumentNullException.ThrowIfNull(member);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(args);
        if (child is null)
        {
            throw new ScriptingException(
                $"Cannot script {ModuleName}: its submodule member '{member}' is null; assign it before compiling.");
        }

        string? name = null;
        foreach (var (n, m) in _children)
        {
            if (ReferenceEquals(m, child))
            {
                name = n;
                break;
            }
        }

        if (name is null)
        {
            return ContainerItemCall(child, member, method, args);
        }

        if (!Instance.HasValue(name))
        {
            Instance.AddSubmodule(name, CompiledChild(child, member));
        }

        return new ModuleCallExpr([name], method, args);
    }

    // self.<list>.<item>.<method>(args) for an item of a registered ModuleList / ModuleDict (e.g. a foreach over a
    // ModuleList unrolled when the module is scripted). The container becomes a method-less holder module and its
    // items are named as tracing names them (TorchSharp's "0" stays "0", read with getattr(self.layers, "0")).
    private Expr ContainerItemCall(torch.nn.Module child, string member, string method, Expr[] args)
    {
        foreach (var (containerName, container) in _children)
        {
            if (!IsContainer(container))
            {
                continue;
            }

            foreach (var (itemName, item) in container.named_children())
            {
                if (!ReferenceEquals(item, child))
                {
                    continue;
                }

                ModuleInstance holder;
                if (Instance.HasValue(containerName))
                {
                    holder = Instance.GetValue(containerName) as ModuleInstance ?? throw new ScriptingException(
                        $"Cannot script {ModuleName}: its member '{containerName}' is not a submodule holder.");
                }
                else
                {
                    holder = new ModuleInstance(Context.NewClassName(container.GetType())) { Training = container.training };
                    Instance.AddSubmodule(containerName, holder);
                }

                var attr = Tracing.TraceSession.AttrName(itemName);
                if (!holder.HasValue(attr))
                {
                    holder.AddSubmodule(attr, CompiledChild(child, $"{member} ({containerName}[{itemName}])"));
                }

                return new ModuleCallExpr([containerName, attr], method, args);
            }
        }

        throw new ScriptingException(
            $"Cannot script {ModuleName}: its member '{member}' holds a {child.GetType().Name} that is not a " +
            "registered submodule (nor an item of a registered ModuleList or ModuleDict); call RegisterComponents() " +
            "in the constructor (or register_module).");
    }

    private static bool IsContainer(torch.nn.Module module)
    {
        var type = module.GetType();
        return type.Namespace == "TorchSharp.Modules" &&
               (type.Name.StartsWith("ModuleList", StringComparison.Ordinal) || type.Name.StartsWith("ModuleDict", StringComparison.Ordinal));
    }

    /// <summary><c>self.&lt;name&gt;</c>: a typed int attribute holding a member's current value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="member">The C# member name.</param>
    public Expr Attribute(long value, string member) => AddAttribute(member, TsType.Int, value);

    /// <summary><c>self.&lt;name&gt;</c>: a typed float attribute holding a member's current value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="member">The C# member name.</param>
    public Expr Attribute(double value, string member) => AddAttribute(member, TsType.Float, value);

    /// <summary><c>self.&lt;name&gt;</c>: a typed bool attribute holding a member's current value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="member">The C# member name.</param>
    public Expr Attribute(bool value, string member) => AddAttribute(member, TsType.Bool, value);

    /// <summary><c>self.&lt;name&gt;</c>: a typed str attribute holding a member's current value.</summary>
    /// <param name="value">The value.</param>
    /// <param name="member">The C# member name.</param>
    public Expr Attribute(string value, string member)
    {
        ArgumentNullException.ThrowIfNull(value, member);
        return AddAttribute(member, TsType.Str, value);
    }

    /// <summary>An int literal for a value computed from the module when it is scripted.</summary>
    /// <param name="value">The value.</param>
    public static Expr Constant(long value) => IrBuilder.Int(value);

    /// <summary>A float literal for a value computed from the module when it is scripted.</summary>
    /// <param name="value">The value.</param>
    public static Expr Constant(double value) => IrBuilder.Float(value);

    /// <summary>A bool literal for a value computed from the module when it is scripted.</summary>
    /// <param name="value">The value.</param>
    public static Expr Constant(bool value) => IrBuilder.Bool(value);

    /// <summary>A str literal for a value computed from the module when it is scripted.</summary>
    /// <param name="value">The value.</param>
    public static Expr Constant(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return IrBuilder.Str(value);
    }

    /// <summary>A dtype (its integer code, as TorchScript passes dtypes).</summary>
    /// <param name="value">The dtype.</param>
    public static Expr Constant(torch.ScalarType value) => IrBuilder.Int((long)value);

    /// <summary>A <c>List[int]</c> literal for ints computed from the module when it is scripted.</summary>
    /// <param name="values">The values.</param>
    public static Expr Constant(IEnumerable<long> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return IrBuilder.ListOf(TsType.Int, values.Select(v => (Expr)IrBuilder.Int(v)).ToArray());
    }

    /// <summary>A <c>List[int]</c> literal for ints computed from the module when it is scripted.</summary>
    /// <param name="values">The values.</param>
    public static Expr Constant(IEnumerable<int> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Constant(values.Select(v => (long)v));
    }

    /// <summary>A <c>List[float]</c> literal for floats computed from the module when it is scripted.</summary>
    /// <param name="values">The values.</param>
    public static Expr Constant(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return IrBuilder.ListOf(TsType.Float, values.Select(v => (Expr)IrBuilder.Float(v)).ToArray());
    }

    private Expr AddAttribute(string member, TsType type, object value)
    {
        ArgumentNullException.ThrowIfNull(member);
        var key = "attr:" + member;
        if (!_memberNames.TryGetValue(key, out var name))
        {
            name = FreshName(member);
            _memberNames[key] = name;
            Instance.AddAttribute(name, type, value);
        }
        else if (!Equals(Instance.GetValue(name), IrValues.Normalize(value)))
        {
            throw new ScriptingException(
                $"Cannot script {ModuleName}: its member '{member}' changed value while the module was scripted.");
        }

        return IrBuilder.Self(name);
    }

    private ModuleInstance CompiledChild(torch.nn.Module child, string member)
    {
        if (Context.TryGetCompiled(child) is { } compiled)
        {
            return compiled.Instance;
        }

        var type = child.GetType();
        if (Scripter.CanScript(type))
        {
            return Scripter.Script(child, Context);
        }

        if (BuiltinModules.TryConvert(child, Context) is { } builtin)
        {
            Context.SetCompiled(child, builtin, CompiledHow.Traced);
            return builtin;
        }

        if (ScriptRegistry.UnscriptableReason(type) is { } reason)
        {
            throw new ScriptingException(
                $"Cannot script {ModuleName}: its submodule '{member}' is a {type.FullName ?? type.Name}, which has no " +
                $"compile mode and cannot be scripted with it: {reason} Give that class [CompileMode(JitMode.Trace)] " +
                "(then it is traced as a child), or change its forward to the scripting subset.");
        }

        throw new ScriptingException(
            $"Cannot script {ModuleName}: its submodule '{member}' is a {type.FullName ?? type.Name}, which has no " +
            "TorchScript form yet (TorchSharp built-ins such as Linear, SiLU, Sequential are converted automatically). " +
            "Give that class a compile mode ([CompileMode(JitMode.Script)] on a partial class " +
            "whose forward uses the scripting subset, or [CompileMode(JitMode.Trace)]), or compile it first and " +
            "register it in the CompileContext.");
    }

    private static string? Find(List<(string Name, torch.Tensor Tensor)> list, torch.Tensor value)
    {
        foreach (var (n, t) in list)
        {
            if (ReferenceEquals(t, value))
            {
                return n;
            }
        }

        foreach (var (n, t) in list)
        {
            if (!t.IsInvalid && t.Handle == value.Handle)
            {
                return n;
            }
        }

        return null;
    }

    // A TorchScript attribute name for a C# member: leading underscores and non-identifier characters dropped,
    // keywords and names already taken (registered tensors and children, other members) suffixed.
    private string FreshName(string member)
    {
        var chars = member.TrimStart('_').Select(c => char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_').ToArray();
        var baseName = chars.Length == 0 ? "attr" : new string(chars);
        if (char.IsDigit(baseName[0]))
        {
            baseName = "m" + baseName;
        }

        if (Names.IsKeyword(baseName) || baseName == "training")
        {
            baseName += "_";
        }

        var name = baseName;
        for (var i = 1; Taken(name); i++)
        {
            name = $"{baseName}_{i}";
        }

        _usedNames.Add(name);
        return name;
    }

    private bool Taken(string name) =>
        _usedNames.Contains(name) || Instance.Class.FindAttribute(name) is not null ||
        _parameters.Exists(p => p.Name == name) || _buffers.Exists(b => b.Name == name) ||
        _children.Exists(c => c.Name == name) || Instance.Class.FindMethod(name) is not null;
}
