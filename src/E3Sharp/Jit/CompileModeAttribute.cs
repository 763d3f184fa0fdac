namespace E3Sharp.Jit;

/// <summary>
/// Declares how a module class is compiled by <c>TorchScript.Compile</c>. A module without this attribute has no
/// mode of its own and is compiled only as part of its parent.
/// </summary>
/// <example>
/// <code>
/// [CompileMode(JitMode.Script)]
/// public partial class MyModule : Module&lt;Tensor, Tensor&gt; { ... }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
public sealed class CompileModeAttribute : Attribute
{
    /// <summary>Creates the attribute.</summary>
    /// <param name="mode">The compile mode of the module class.</param>
    public CompileModeAttribute(JitMode mode) => Mode = mode;

    /// <summary>The compile mode.</summary>
    public JitMode Mode { get; }
}
