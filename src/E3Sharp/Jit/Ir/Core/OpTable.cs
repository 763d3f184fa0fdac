using System;
using System.Collections.Generic;
using System.Linq;

namespace E3Sharp.Jit.Ir;

/// <summary>
/// The registry of operators the IR may call (<c>torch.op(...)</c> and tensor/list methods), each with its aten
/// schema overloads. The validator checks every call against it; front ends use it to check names. It is data:
/// extend it with <see cref="Register(string, OpVariants)"/> and an aten schema copied from
/// <c>native_functions.yaml</c> (only overloads that exist in both LibTorch 2.x and PyTorch 1.13, with defaults
/// written as there). Scalar parameters take int or float; dtype parameters take integer codes
/// (6 = float32, 7 = float64, 4 = int64, 3 = int32, 11 = bool).
/// </summary>
#if E3SHARP_GENERATOR
internal
#else
public
#endif
sealed class OpTable
{
    private readonly Dictionary<string, List<OpSchema>> _ops = new(StringComparer.Ordinal);
    private readonly object _lock = new();

    /// <summary>Creates an empty table.</summary>
    public OpTable()
    {
    }

    /// <summary>The built-in table (shared; registrations are visible to every user of <see cref="Default"/>).</summary>
    public static OpTable Default { get; } = CreateDefault();

    /// <summary>The operator names, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                return _ops.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
            }
        }
    }

    /// <summary>Whether an operator of that name is registered.</summary>
    /// <param name="name">The name (<c>einsum</c>).</param>
    public bool Contains(string name)
    {
        lock (_lock)
        {
            return _ops.ContainsKey(name);
        }
    }

    /// <summary>The overloads of an operator (empty if unknown).</summary>
    /// <param name="name">The name.</param>
    public IReadOnlyList<OpSchema> Overloads(string name)
    {
        lock (_lock)
        {
            return _ops.TryGetValue(name, out var l) ? l.ToArray() : [];
        }
    }

    /// <summary>Registers an overload (tried after the ones registered before it).</summary>
    /// <param name="schema">The aten schema text.</param>
    /// <param name="variants">How it may be called.</param>
    /// <returns>This table.</returns>
    public OpTable Register(string schema, OpVariants variants = OpVariants.Both)
    {
        var s = OpSchema.Parse(schema, variants);
        lock (_lock)
        {
            if (!_ops.TryGetValue(s.Name, out var list))
            {
                _ops[s.Name] = list = [];
            }

            if (list.Exists(o => o.Text == s.Text))
            {
                return this;
            }

            list.Add(s);
        }

        return this;
    }

    /// <summary>
    /// Finds the first overload of <paramref name="name"/> that accepts the arguments and returns its result type;
    /// when none does, <paramref name="error"/> explains (listing the overloads).
    /// </summary>
    /// <param name="name">The operator name.</param>
    /// <param name="asMethod">Whether it is called as a method (the receiver's type is <paramref name="args"/>[0]).</param>
    /// <param name="args">The positional argument types (receiver first for methods).</param>
    /// <param name="keywords">The keyword argument names and types.</param>
    /// <param name="schema">The matched overload.</param>
    /// <param name="result">The result type.</param>
    /// <param name="error">Why nothing matched.</param>
    public bool TryResolve(string name, bool asMethod, IReadOnlyList<TsType> args,
        IReadOnlyList<(string Name, TsType Type)> keywords, out OpSchema? schema, out TsType? result, out string? error)
    {
        schema = null;
        result = null;
        var overloads = Overloads(name);
        if (overloads.Count == 0)
        {
            error = $"unknown operator '{name}' (not in the op table)";
            return false;
        }

        var candidates = overloads.Where(o => (o.Variants & (asMethod ? OpVariants.Method : OpVariants.Function)) != 0).ToList();
        if (candidates.Count == 0)
        {
            error = asMethod
                ? $"'{name}' cannot be called as a method; call torch.{name}(...)"
                : $"'{name}' cannot be called as torch.{name}(...); call it as a method";
            return false;
        }

        var reasons = new List<string>();
        foreach (var o in candidates)
        {
            if (TryMatch(o, args, keywords, out var r, out var why))
            {
                schema = o;
                result = r;
                error = null;
                return true;
            }

            reasons.Add($"  {o.Text}: {why}");
        }

        var sig = string.Join(", ", args.Select(a => a.Name).Concat(keywords.Select(k => $"{k.Name}={k.Type.Name}")));
        error = $"no overload of '{name}' accepts ({sig}):\n" + string.Join("\n", reasons);
        return false;
    }

    private static bool TryMatch(OpSchema o, IReadOnlyList<TsType> args, IReadOnlyList<(string Name, TsType Type)> keywords,
        out TsType? result, out string why)
    {
        result = null;
        var bindings = new Dictionary<string, TsType>(StringComparer.Ordinal);
        var filled = new bool[o.Parameters.Count];
        var positional = o.Parameters.Count(p => !p.KeywordOnly);
        if (args.Count > positional)
        {
            why = $"takes at most {positional} positional arguments, got {args.Count}";
            return false;
        }

        for (var i = 0; i < args.Count; i++)
        {
            var p = o.Parameters[i];
            if (!p.Type.Accepts(args[i], bindings))
            {
                why = $"argument '{p.Name}' expects {p.Type}, got {args[i].Name}";
                return false;
            }

            filled[i] = true;
        }

        foreach (var (kname, ktype) in keywords)
        {
            var idx = -1;
            for (var i = 0; i < o.Parameters.Count; i++)
            {
                if (o.Parameters[i].Name == kname)
                {
                    idx = i;
                    break;
                }
            }

            if (idx < 0)
            {
                why = $"no parameter named '{kname}'";
                return false;
            }

            if (filled[idx])
            {
                why = $"argument '{kname}' given twice";
                return false;
            }

            if (!o.Parameters[idx].Type.Accepts(ktype, bindings))
            {
                why = $"argument '{kname}' expects {o.Parameters[idx].Type}, got {ktype.Name}";
                return false;
            }

            filled[idx] = true;
        }

        for (var i = 0; i < o.Parameters.Count; i++)
        {
            if (!filled[i] && !o.Parameters[i].HasDefault)
            {
                why = $"missing argument '{o.Parameters[i].Name}'";
                return false;
            }
        }

        try
        {
            result = o.Result.ToTsType(bindings);
        }
        catch (InvalidOperationException e)
        {
            why = e.Message;
            return false;
        }

        why = "";
        return true;
    }

    private static OpTable CreateDefault()
    {
        var t = new OpTable();
        foreach (var s in BuiltinSchemas.Both)
        {
            t.Register(s, OpVariants.Both);
        }

        foreach (var s in BuiltinSchemas.FunctionOnly)
        {
            t.Register(s, OpVariants.Function);
        }

        foreach (var s in BuiltinSchemas.MethodOnly)
        {
            t.Register(s, OpVariants.Method);
        }

        return t;
    }
}
