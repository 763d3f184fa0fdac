using System.Collections.Concurrent;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace E3Sharp.Jit.Tracing;

/// <summary>A registered tracing twin of one method of a module class (or of a <c>[Traceable]</c> helper class).</summary>
/// <param name="DeclaringType">The class that declares the method.</param>
/// <param name="Method">The method name (<c>forward</c>, or a helper's name).</param>
/// <param name="ParameterNames">The C# parameter names.</param>
/// <param name="Invoker">Calls the twin: (instance or null, arguments) -&gt; result.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed record TwinMethod(Type DeclaringType, string Method, IReadOnlyList<string> ParameterNames,
    Func<object?, object?[], object?> Invoker);

/// <summary>
/// The runtime registry of tracing twins. The source generator adds, to each partial module class, a static field
/// whose initializer registers the class's twins; the registry runs a class's type initializer the first time the
/// class is looked up (this works for private nested classes too, which a module initializer cannot reach). A class
/// whose forward the generator could not twin is registered with the reason, so tracing it fails with that reason.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TraceRegistry
{
    private static readonly ConcurrentDictionary<Type, List<TwinMethod>> Twins = new();
    private static readonly ConcurrentDictionary<Type, string> Untraceable = new();
    private static readonly ConcurrentDictionary<Type, bool> Initialized = new();

    /// <summary>Registers a twin (called by generated code).</summary>
    /// <param name="type">The declaring class.</param>
    /// <param name="method">The method name.</param>
    /// <param name="parameterNames">The C# parameter names.</param>
    /// <param name="invoker">Calls the twin.</param>
    /// <returns>True (for use in a static field initializer).</returns>
    public static bool Register(Type type, string method, string[] parameterNames, Func<object?, object?[], object?> invoker)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(method);
        ArgumentNullException.ThrowIfNull(parameterNames);
        ArgumentNullException.ThrowIfNull(invoker);
        var list = Twins.GetOrAdd(type, _ => []);
        lock (list)
        {
            list.RemoveAll(t => t.Method == method && t.ParameterNames.Count == parameterNames.Length);
            list.Add(new TwinMethod(type, method, parameterNames, invoker));
        }

        return true;
    }

    /// <summary>Records that the generator could not twin a class's forward, and why (called by generated code).</summary>
    /// <param name="type">The class.</param>
    /// <param name="reason">Why, with the source location.</param>
    /// <returns>True.</returns>
    public static bool RegisterUntraceable(Type type, string reason)
    {
        ArgumentNullException.ThrowIfNull(type);
        Untraceable[type] = reason;
        return true;
    }

    /// <summary>Why the generator could not twin <paramref name="type"/>'s forward, or null.</summary>
    /// <param name="type">The class.</param>
    public static string? WhyUntraceable(Type type)
    {
        Ensure(type);
        return Untraceable.GetValueOrDefault(type);
    }

    /// <summary>Finds the twin of <paramref name="method"/> taking <paramref name="arity"/> arguments, declared by
    /// <paramref name="type"/> or its closest base class that has one.</summary>
    /// <param name="type">The (runtime) class.</param>
    /// <param name="method">The method name.</param>
    /// <param name="arity">The number of arguments.</param>
    public static TwinMethod? Find(Type type, string method, int arity)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            if (FindDeclared(t, method, arity) is { } m)
            {
                return m;
            }
        }

        return null;
    }

    /// <summary>Finds the twin declared by exactly <paramref name="type"/>.</summary>
    /// <param name="type">The class.</param>
    /// <param name="method">The method name.</param>
    /// <param name="arity">The number of arguments.</param>
    public static TwinMethod? FindDeclared(Type type, string method, int arity)
    {
        Ensure(type);
        if (!Twins.TryGetValue(type, out var list))
        {
            return null;
        }

        lock (list)
        {
            return list.Find(m => m.Method == method && m.ParameterNames.Count == arity);
        }
    }

    /// <summary>Whether <paramref name="type"/> (or a base class) has a forward twin of any arity.</summary>
    /// <param name="type">The class.</param>
    public static bool HasForward(Type type)
    {
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            Ensure(t);
            if (Twins.TryGetValue(t, out var list))
            {
                lock (list)
                {
                    if (list.Exists(m => m.Method == "forward"))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    /// <summary>The arities of the forward twins of <paramref name="type"/> and its base classes.</summary>
    /// <param name="type">The class.</param>
    public static IReadOnlyList<int> ForwardArities(Type type)
    {
        var result = new SortedSet<int>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            Ensure(t);
            if (Twins.TryGetValue(t, out var list))
            {
                lock (list)
                {
                    foreach (var m in list.Where(m => m.Method == "forward"))
                    {
                        result.Add(m.ParameterNames.Count);
                    }
                }
            }
        }

        return result.ToArray();
    }

    private static void Ensure(Type type)
    {
        if (Initialized.TryAdd(type, true) && !type.ContainsGenericParameters)
        {
            RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        }
    }
}
