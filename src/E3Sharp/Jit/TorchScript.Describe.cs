using System.Runtime.CompilerServices;
using System.Text;
using TorchSharp;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    private static readonly ConditionalWeakTable<torch.jit.ScriptModule, CompileRecord> Records = new();

    /// <summary>
    /// A tree showing how each module of a compiled tree was made, like the printout of a PyTorch
    /// <c>TopLevelTracedModule</c> / <c>RecursiveScriptModule</c>:
    /// <code>
    /// AnotherModule: traced
    /// └─ mymod: MyModule: scripted
    ///    └─ norm: Norm: traced
    /// </code>
    /// Each line is <c>name: Type: how</c>, where how is <c>traced</c>, <c>scripted</c>, <c>loaded</c> (an existing
    /// TorchScript module kept as it was) or <c>compiled into its parent</c> (a module without a compile mode that
    /// its parent traced through or scripted with itself). Warnings the compilation reported follow the tree.
    /// </summary>
    /// <param name="compiled">A module returned by <see cref="Compile(torch.nn.Module, int, bool)"/>,
    /// <see cref="Script(torch.nn.Module, bool)"/> or <see cref="Trace(torch.nn.Module, torch.Tensor[])"/>, or any
    /// other TorchScript module (then the tree of its submodules is shown, each as <c>loaded</c>).</param>
    /// <returns>The tree, one module per line.</returns>
    public static string Describe(torch.jit.ScriptModule compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        var record = Records.TryGetValue(compiled, out var r) ? r : DescribeLoaded(compiled, null);
        var sb = new StringBuilder();
        Append(sb, record, "", "", isRoot: true);
        foreach (var w in record.Warnings)
        {
            sb.Append("warning: ").Append(w).Append('\n');
        }

        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>The warnings reported while compiling <paramref name="compiled"/> (for example a tensor turned into a
    /// bool during tracing, like PyTorch's TracerWarning); empty for a module not compiled by E3Sharp.</summary>
    /// <param name="compiled">A compiled module.</param>
    public static IReadOnlyList<string> GetWarnings(torch.jit.ScriptModule compiled)
    {
        ArgumentNullException.ThrowIfNull(compiled);
        return Records.TryGetValue(compiled, out var r) ? r.Warnings : [];
    }

    private static CompileRecord DescribeLoaded(torch.jit.ScriptModule module, string? name)
    {
        var children = module.named_children()
            .Select(c => c.module is torch.jit.ScriptModule s ? DescribeLoaded(s, c.name) : null)
            .Where(c => c is not null)
            .Select(c => c!)
            .ToArray();
        return new CompileRecord(name, "TorchScript module", "loaded", children);
    }

    private static void Append(StringBuilder sb, CompileRecord record, string prefix, string childPrefix, bool isRoot)
    {
        sb.Append(prefix);
        if (!isRoot && record.Name is not null)
        {
            sb.Append(record.Name).Append(": ");
        }

        sb.Append(record.TypeName).Append(": ").Append(record.How ?? "compiled into its parent").Append('\n');
        for (var i = 0; i < record.Children.Count; i++)
        {
            var last = i == record.Children.Count - 1;
            Append(sb, record.Children[i], childPrefix + (last ? "└─ " : "├─ "), childPrefix + (last ? "   " : "│  "), isRoot: false);
        }
    }
}

/// <summary>How one module of a compiled tree was made (what <see cref="TorchScript.Describe"/> prints).</summary>
/// <param name="Name">The attribute name in its parent (null for the top module).</param>
/// <param name="TypeName">The C# type name (or the TorchScript class name of a loaded module's submodule).</param>
/// <param name="How"><c>traced</c>, <c>scripted</c>, <c>loaded</c>, or null when compiled into its parent.</param>
/// <param name="Children">Its submodules.</param>
internal sealed record CompileRecord(string? Name, string TypeName, string? How, IReadOnlyList<CompileRecord> Children)
{
    /// <summary>The warnings of the compilation (set on the top record).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}
