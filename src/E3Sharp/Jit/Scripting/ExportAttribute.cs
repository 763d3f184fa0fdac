namespace E3Sharp.Jit.Scripting;

/// <summary>
/// Marks a method of a <c>[CompileMode(JitMode.Script)]</c> module class that is compiled as an extra TorchScript
/// method next to <c>forward</c>, like Python's <c>@torch.jit.export</c>: the E3Sharp generator translates it (with
/// the scripting subset, as it translates <c>forward</c>) and the archive exposes it as
/// <c>module.&lt;Name&gt;(...)</c> to LibTorch, PyTorch and C++ loaders. Without <see cref="Name"/> the TorchScript
/// name is the C# method name.
/// </summary>
/// <example>
/// <code>
/// [Export(Name = "pair_forward")]
/// public Dictionary&lt;string, Tensor&gt; PairForward(Dictionary&lt;string, Tensor&gt; data) { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class ExportAttribute : Attribute
{
    /// <summary>The TorchScript method name (a Python identifier other than <c>forward</c>); null: the C# name.</summary>
    public string? Name { get; set; }
}
