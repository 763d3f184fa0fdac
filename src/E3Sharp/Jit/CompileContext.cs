using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit;

/// <summary>
/// State shared by one compilation (<c>TorchScript.Compile</c>): the IR of every module of the tree compiled so far
/// (children are compiled before their parents), how each was compiled, unique class names, and the warnings the
/// front ends report. The tracing and scripting front ends look children up here, so that a call of an already
/// compiled child becomes <c>self.child.forward(...)</c> instead of being inlined.
/// </summary>
internal sealed class CompileContext
{
    private readonly Dictionary<torch.nn.Module, CompiledModule> _compiled = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, int> _nameCounts = new(StringComparer.Ordinal);
    private readonly List<string> _warnings = [];

    /// <summary>Registers the compiled IR of a module of the tree.</summary>
    /// <param name="module">The eager module (by reference).</param>
    /// <param name="instance">Its IR instance (class, methods and attribute values).</param>
    /// <param name="how">How it was compiled.</param>
    public void SetCompiled(torch.nn.Module module, ModuleInstance instance, CompiledHow how)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(instance);
        _compiled[module] = new CompiledModule(instance, how);
    }

    /// <summary>The compiled IR of <paramref name="module"/>, or null when it has not been compiled on its own.</summary>
    /// <param name="module">An eager module of the tree.</param>
    public CompiledModule? TryGetCompiled(torch.nn.Module module) =>
        _compiled.TryGetValue(module, out var c) ? c : null;

    /// <summary>
    /// A fresh qualified class name <c>__torch__.E3Sharp.Generated.&lt;TypeName&gt;[_n]</c> for a module of the given
    /// .NET type; names never repeat within one compilation.
    /// </summary>
    /// <param name="type">The module's .NET type.</param>
    public string NewClassName(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        var baseName = new string(type.Name.Select(c => char.IsLetterOrDigit(c) ? c : '_').ToArray());
        if (baseName.Length == 0 || char.IsDigit(baseName[0]))
        {
            baseName = "M" + baseName;
        }

        var n = _nameCounts.GetValueOrDefault(baseName);
        _nameCounts[baseName] = n + 1;
        return $"__torch__.E3Sharp.Generated.{baseName}{(n == 0 ? "" : "_" + n)}";
    }

    /// <summary>Warnings reported so far (for example a tensor converted to a bool during tracing).</summary>
    public IReadOnlyList<string> Warnings => _warnings;

    /// <summary>Reports a warning.</summary>
    /// <param name="message">The warning text, naming the module.</param>
    public void Warn(string message) => _warnings.Add(message);
}

/// <summary>A compiled module of a tree: its IR instance and how it was made.</summary>
/// <param name="Instance">The IR instance.</param>
/// <param name="How">How it was compiled.</param>
internal sealed record CompiledModule(ModuleInstance Instance, CompiledHow How);
