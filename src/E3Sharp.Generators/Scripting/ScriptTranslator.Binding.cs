using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>Binding a call's arguments to the op table's overloads.</summary>
internal sealed partial class ScriptTranslator
{
    private sealed class BoundArg
    {
        public BoundArg(string name, int ordinal, Ex value)
        {
            Name = name;
            Ordinal = ordinal;
            Value = value;
        }

        public string Name { get; }

        public int Ordinal { get; }

        public Ex Value { get; }
    }

    // Binds the TorchSharp call's explicit arguments to the first aten overload that accepts them (by parameter name,
    // else by position; consecutive ints for a list parameter are packed, as in TorchSharp's dim0/dim1 overloads).
    private Ex? BindOp(string op, Ex? receiver, IInvocationOperation inv, Location site, string display)
    {
        var args = new List<BoundArg>();
        foreach (var a in inv.Arguments)
        {
            if (a.ArgumentKind == ArgumentKind.DefaultValue || a.Parameter is null)
            {
                continue;
            }

            Ex? v;
            if (a.ArgumentKind == ArgumentKind.ParamArray && a.Value is IArrayCreationOperation ac)
            {
                v = ac.Initializer is null ? null : ListOf(ac.Initializer.ElementValues, ac.Type, ac);
                if (ac.Initializer is null)
                {
                    Report(Descriptors.UnsupportedExpression, a, "Unsupported params argument.");
                }
            }
            else
            {
                v = E(a.Value);
            }

            if (v is null)
            {
                return null;
            }

            args.Add(new BoundArg(a.Parameter.Name, a.Parameter.Ordinal, v));
        }

        var result = MapType(inv.TargetMethod.ReturnType, false);
        if (result is null)
        {
            Report(Descriptors.UnsupportedType, site, $"{display} returns {inv.TargetMethod.ReturnType.ToDisplayString()}, which TorchScript cannot hold.");
            return null;
        }

        var asMethod = receiver is not null;
        var reasons = new List<string>();
        foreach (var o in OpTable.Default.Overloads(op).Where(o => asMethod ? o.IsMethod() : o.IsFunction()))
        {
            if (TryBind(o, receiver, args, out var code, out var why))
            {
                return new Ex(code!, result);
            }

            reasons.Add($"{o.Text} ({why})");
        }

        var sig = string.Join(", ", (receiver is null ? Enumerable.Empty<string>() : new[] { "self: Tensor" })
            .Concat(args.Select(a => $"{a.Name}: {a.Value.Type.Name}")));
        Report(Descriptors.NoOverload, site,
            $"{display}({sig}) matches no TorchScript overload of '{op}': {string.Join("; ", reasons)}. Pass the arguments an overload takes (floats as 2.0, not 2).");
        return null;
    }

    private static bool TryBind(OpSchema o, Ex? receiver, List<BoundArg> args, out string? code, out string why)
    {
        code = null;
        var p = o.Parameters;
        var filled = new List<Ex>?[p.Count];
        var offset = 0;
        if (receiver is not null)
        {
            if (p.Count == 0 || !p[0].Type.AcceptsArgument(receiver.Type))
            {
                why = "the receiver is not its first parameter";
                return false;
            }

            filled[0] = new List<Ex> { receiver };
            offset = 1;
        }

        var pack = -1;
        foreach (var a in args)
        {
            var alias = ParameterAliases.TryGetValue(a.Name, out var al) ? al : a.Name;
            var idx = -1;
            for (var i = 0; i < p.Count; i++)
            {
                if (p[i].Name == alias && filled[i] is null)
                {
                    idx = i;
                    break;
                }
            }

            if (idx < 0 && pack >= 0 && a.Value.Type.Kind == TsTypeKind.Int && !p.Any(x => x.Name == alias))
            {
                filled[pack]!.Add(a.Value);
                continue;
            }

            if (idx < 0)
            {
                var pos = offset + a.Ordinal;
                if (pos < p.Count && !p[pos].KeywordOnly && filled[pos] is null && !args.Any(x => x != a && (ParameterAliases.TryGetValue(x.Name, out var xa) ? xa : x.Name) == p[pos].Name))
                {
                    idx = pos;
                }
            }

            if (idx < 0)
            {
                why = $"no parameter for '{a.Name}'";
                return false;
            }

            if (p[idx].Type.IsIntList() && a.Value.Type.Kind == TsTypeKind.Int)
            {
                pack = idx;
                filled[idx] = new List<Ex> { a.Value };
                continue;
            }

            if (!p[idx].Type.AcceptsArgument(a.Value.Type))
            {
                why = $"'{p[idx].Name}' takes {p[idx].Type}, got {a.Value.Type.Name}";
                return false;
            }

            pack = -1;
            filled[idx] = new List<Ex> { a.Value };
        }

        for (var i = 0; i < p.Count; i++)
        {
            if (filled[i] is null && !p[i].HasDefault)
            {
                why = $"missing '{p[i].Name}'";
                return false;
            }
        }

        string Value(int i)
        {
            var items = filled[i]!;
            if (p[i].Type.IsIntList() && items.All(x => x.Type.Kind == TsTypeKind.Int))
            {
                return $"__ir.List({string.Join(", ", items.Select(x => x.Code))})";
            }

            return items[0].Code;
        }

        var positional = new List<string>();
        var keywords = new List<string>();
        var gap = false;
        for (var i = offset; i < p.Count; i++)
        {
            if (filled[i] is null)
            {
                gap = true;
                continue;
            }

            if (!gap && !p[i].KeywordOnly)
            {
                positional.Add(Value(i));
            }
            else
            {
                keywords.Add($"__ir.Kw({Literal(p[i].Name)}, {Value(i)})");
            }
        }

        var name = Literal(o.Name);
        if (receiver is not null)
        {
            code = keywords.Count == 0
                ? $"__ir.Method({receiver.Code}, {name}{string.Concat(positional.Select(x => ", " + x))})"
                : $"({receiver.Code}).Call({name}, new __Ir.Expr[] {{ {string.Join(", ", positional)} }}, {string.Join(", ", keywords)})";
        }
        else
        {
            code = keywords.Count == 0
                ? $"__ir.Torch({name}{string.Concat(positional.Select(x => ", " + x))})"
                : $"__ir.Torch({name}, new __Ir.Expr[] {{ {string.Join(", ", positional)} }}, {string.Join(", ", keywords)})";
        }

        why = "";
        return true;
    }
}
