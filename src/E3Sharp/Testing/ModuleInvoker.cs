using System.Reflection;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Testing;

/// <summary>Calls a TorchSharp module's <c>forward</c> with a list of tensors (reflection; test tooling only).</summary>
internal static class ModuleInvoker
{
    /// <summary>
    /// Calls the public <c>forward</c> of <paramref name="module"/> taking exactly <c>args.Length</c> tensor parameters
    /// (the one declared on the most derived type when several match), or a TorchScript module's forward with any
    /// number of tensors, and returns its outputs as an array.
    /// </summary>
    public static Tensor[] Invoke(nn.Module module, Tensor[] args)
    {
        if (module is jit.ScriptModule script)
        {
            // A TorchScript module (any number of inputs, typed or not): its forward takes the arguments as objects.
            return ToTensors(script.forward(args.Cast<object>().ToArray()), module.GetType().Name);
        }

        var method = FindForward(module.GetType(), args.Length)
            ?? throw new ArgumentException(
                $"{module.GetType().Name} has no public forward method taking {args.Length} tensor argument(s).",
                nameof(args));
        object? result;
        try
        {
            result = method.Invoke(module, args.Cast<object?>().ToArray());
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
        return ToTensors(result, module.GetType().Name);
    }

    /// <summary>Converts a forward result (a tensor, an array or list of tensors, or a tuple of tensors) to an array.</summary>
    public static Tensor[] ToTensors(object? result, string what) => result switch
    {
        Tensor t => new[] { t },
        Tensor[] ts => ts,
        IEnumerable<Tensor> ts => ts.ToArray(),
        ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i] as Tensor
            ?? throw new ArgumentException($"{what} returned a tuple whose item {i} is not a tensor.")).ToArray(),
        _ => throw new ArgumentException(
            $"{what} returned {result?.GetType().Name ?? "null"}; only tensors, arrays/lists of tensors and tuples of " +
            "tensors can be checked."),
    };

    private static MethodInfo? FindForward(Type type, int arity)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            foreach (var m in t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            {
                if (m.Name != "forward" || m.IsAbstract) continue;
                var ps = m.GetParameters();
                if (ps.Length == arity && ps.All(p => p.ParameterType == typeof(Tensor))) return m;
            }
        }
        return null;
    }
}
