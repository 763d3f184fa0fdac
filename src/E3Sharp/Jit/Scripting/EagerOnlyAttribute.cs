namespace E3Sharp.Jit.Scripting;

/// <summary>
/// Marks a method whose calls are left out of scripted code: a call statement of such a method in a scripted
/// <c>forward</c> (or helper) runs in eager mode only. Meant for input validation that throws clear .NET exceptions
/// (TorchScript ops check shapes themselves); the method must return nothing the script needs.
/// </summary>
/// <example>
/// <code>
/// [EagerOnly]
/// internal static void CheckInput(Module m, Tensor x, int dim) { ... throw new ArgumentException(...) ... }
///
/// public override Tensor forward(Tensor x) { CheckInput(this, x, 8); return x * 2.0; }   // script: return x * 2.0
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Method, Inherited = false, AllowMultiple = false)]
public sealed class EagerOnlyAttribute : Attribute
{
}
