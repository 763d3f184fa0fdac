using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using E3Sharp.Generators.Diagnostics;
using E3Sharp.Jit.Ir;

namespace E3Sharp.Generators.Scripting;

/// <summary>return, if, while, break/continue and throw.</summary>
internal sealed partial class ScriptTranslator
{
    private void Return(IReturnOperation r, string b)
    {
        if (r.Kind != OperationKind.Return)
        {
            Report(Descriptors.UnsupportedStatement, r, "yield is not supported in scripted code; return a Tensor list instead.");
            return;
        }

        if (r.ReturnedValue is null)
        {
            _w.Line($"{b}.Return(null);");
            return;
        }

        var ex = E(r.ReturnedValue);
        if (ex is not null)
        {
            _w.Line($"{b}.Return({ex.Code});");
        }
    }

    private void If(IConditionalOperation c, string b)
    {
        if (IsConst(c.Condition) && !c.Condition.ConstantValue.HasValue)
        {
            // Decided when the module is scripted: only the branch taken is translated.
            _w.Line($"// if ({OneLine(Text(c.Condition))}): decided when the module is scripted");
            _w.Open($"if ({Text(c.Condition)})");
            Stmt(c.WhenTrue, b);
            _w.Close();
            if (c.WhenFalse is not null)
            {
                _w.Open("else");
                Stmt(c.WhenFalse, b);
                _w.Close();
            }

            return;
        }

        var cond = Condition(c.Condition);
        if (cond is null)
        {
            return;
        }

        var t = NewVar("s");
        _w.Line($"{b}.If({cond.Code},");
        _w.Indent++;
        Lambda(t, () => Stmt(c.WhenTrue, t), c.WhenFalse is null ? ");" : ",");
        if (c.WhenFalse is not null)
        {
            var e = NewVar("s");
            Lambda(e, () => Stmt(c.WhenFalse, e), ");");
        }

        _w.Indent--;
    }

    private void Lambda(string v, Action body, string end)
    {
        _w.Line($"{v} =>");
        _w.Open();
        _m.BlockDepth++;
        body();
        _m.BlockDepth--;
        _w.Close(end);
    }

    private Ex? Condition(IOperation op)
    {
        var ex = E(op);
        if (ex is null)
        {
            return null;
        }

        if (ex.Type.Kind != TsTypeKind.Bool)
        {
            Report(Descriptors.UnsupportedExpression, op, $"A condition must be a bool (this one is {ex.Type.Name}); convert tensors with .item<bool>() or .ToBoolean().");
            return null;
        }

        return ex;
    }

    private void While(IWhileLoopOperation w, string b)
    {
        if (!w.ConditionIsTop || w.ConditionIsUntil || w.Condition is null)
        {
            Report(Descriptors.DoWhile, w.Syntax is DoStatementSyntax ds ? ds.DoKeyword.GetLocation() : w.Syntax.GetLocation(),
                "do-while is not supported in scripted code; write 'while (true) { ...; if (!condition) break; }' or a while loop.");
            return;
        }

        var cond = Condition(w.Condition);
        if (cond is null)
        {
            return;
        }

        var v = NewVar("s");
        _w.Line($"{b}.While({cond.Code},");
        _w.Indent++;
        _m.Loops.Add(false);
        Lambda(v, () => Stmt(w.Body, v), ");");
        _m.Loops.RemoveAt(_m.Loops.Count - 1);
        _w.Indent--;
    }

    private void Branch(IBranchOperation br, string b)
    {
        if (br.BranchKind is not (BranchKind.Break or BranchKind.Continue))
        {
            Report(Descriptors.Goto, br,
                "goto is not supported in scripted code (TorchScript has no goto); use while, break and continue.");
            return;
        }

        var word = br.BranchKind == BranchKind.Break ? "break" : "continue";
        if (_m.Loops.Count == 0)
        {
            Report(Descriptors.Switch, br, $"'{word}' outside a loop (in a switch) is not supported in scripted code.");
            return;
        }

        if (_m.Loops[_m.Loops.Count - 1])
        {
            Report(Descriptors.NonCanonicalFor, br,
                $"'{word}' inside a loop over module state (unrolled when the module is scripted) is not supported; use an if around the rest of the loop body.");
            return;
        }

        _w.Line(br.BranchKind == BranchKind.Break ? $"{b}.Break();" : $"{b}.Continue();");
    }

    private void Throw(IThrowOperation t, string b)
    {
        var ex = t.Exception is null ? null : Unwrap(t.Exception);
        if (ex is IObjectCreationOperation oc)
        {
            var msgArg = oc.Arguments.FirstOrDefault(a => a.Value.Type?.SpecialType == SpecialType.System_String);
            var typeName = oc.Type?.Name ?? "Exception";
            if (msgArg is null)
            {
                _w.Line($"{b}.Raise({Literal(typeName)});");
                return;
            }

            if (msgArg.Value.ConstantValue is { HasValue: true, Value: string s })
            {
                _w.Line($"{b}.Raise({Literal(s)});");
                return;
            }

            if (IsConst(msgArg.Value))
            {
                _w.Line($"{b}.Raise((string)({Text(msgArg.Value)}));");
                return;
            }

            Report(Descriptors.Strings, msgArg.Value,
                "An exception message built from values computed in forward is not supported in scripted code (TorchScript cannot format strings here); use a constant message, or one computed only from module fields.");
            return;
        }

        Report(Descriptors.UnsupportedStatement, t, "Only 'throw new SomeException(\"message\")' is supported in scripted code (it raises a RuntimeError with the message).");
    }
}
