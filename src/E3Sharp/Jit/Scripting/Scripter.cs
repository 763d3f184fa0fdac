using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Scripting;

/// <summary>
/// The scripting front end: turns a module whose class is marked <c>[CompileMode(JitMode.Script)]</c> (a partial
/// class translated at build time by the E3Sharp source generator) into an IR module instance, joining the generated
/// methods with the module's parameters, buffers, constants and compiled children.
/// </summary>
/// <example>
/// <code>
/// var context = new CompileContext();
/// ModuleInstance ir = Scripter.Script(new MyModule(), context);
/// using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ir));
/// </code>
/// </example>
internal static class Scripter
{
    /// <summary>
    /// Whether modules of <paramref name="moduleType"/> can be scripted: the generator translated its class (or a
    /// base class whose <c>forward</c> it inherits).
    /// </summary>
    /// <param name="moduleType">The module's .NET type.</param>
    public static bool CanScript(Type moduleType)
    {
        ArgumentNullException.ThrowIfNull(moduleType);
        return ScriptRegistry.TryGet(moduleType, out _);
    }

    /// <summary>
    /// Scripts <paramref name="module"/>: a new IR class (<see cref="CompileContext.NewClassName"/>) with the
    /// translated methods, the parameters, buffers and attributes they use, and the compiled children they call
    /// (children not compiled yet are scripted first when their class can be). The result is registered in
    /// <paramref name="context"/> as <see cref="CompiledHow.Scripted"/>.
    /// </summary>
    /// <param name="module">The eager module.</param>
    /// <param name="context">The compilation (children already compiled are looked up there).</param>
    /// <returns>The module's IR instance.</returns>
    /// <exception cref="ScriptingException">The module's class was not translated, or a child has no TorchScript form.</exception>
    public static ModuleInstance Script(torch.nn.Module module, CompileContext context)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(context);
        var type = module.GetType();
        if (!ScriptRegistry.TryGet(type, out var builder))
        {
            if (E3SharpGeneratorRanAttribute.GeneratorMissing(type) is { } missing)
            {
                throw new ScriptingException(missing);
            }

            throw new ScriptingException(
                $"{type.FullName ?? type.Name} cannot be scripted: the E3Sharp generator has not translated its " +
                "forward. Mark the class [CompileMode(JitMode.Script)] and declare it partial (build errors E3S0xx " +
                "explain what else its forward needs), or compile it by tracing.");
        }

        var instance = new ModuleInstance(context.NewClassName(type)) { Training = module.training };
        var binder = new ScriptBinder(module, context, instance);
        IReadOnlyList<MethodDef> methods;
        try
        {
            methods = builder(module, binder);
        }
        catch (Exception e) when (e is not ScriptingException)
        {
            throw new ScriptingException(
                $"Scripting {type.FullName ?? type.Name} failed while evaluating its module-dependent values: {e.Message}", e);
        }

        foreach (var m in methods)
        {
            instance.AddMethod(m);
        }

        context.SetCompiled(module, instance, CompiledHow.Scripted);
        return instance;
    }
}
