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

internal sealed partial class ScriptTranslator
{
    private sealed class MethodState
    {
        public MethodState(IMethodSymbol method, TsType returnType)
        {
            Method = method;
            ReturnType = returnType;
        }

        public IMethodSymbol Method { get; }

        public TsType ReturnType { get; }

        public Dictionary<ISymbol, string> Names { get; } = new(SymbolEqualityComparer.Default);

        public HashSet<string> Used { get; } = new(StringComparer.Ordinal);

        public Dictionary<ISymbol, TsType> Types { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Locals whose values are known when the module is scripted (unrolled loop variables, module-derived objects).</summary>
        public HashSet<ISymbol> CompileTime { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Locals declared without initializer, with the loop depth of their declaration.</summary>
        public Dictionary<ISymbol, int> Uninitialized { get; } = new(SymbolEqualityComparer.Default);

        public HashSet<ISymbol> Assigned { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Enclosing loops, innermost last: true for loops unrolled when the module is scripted.</summary>
        public List<bool> Loops { get; } = new();

        public int RuntimeLoopDepth => Loops.Count(l => !l);

        /// <summary>Nesting depth of runtime blocks (if/loop bodies in TorchScript).</summary>
        public int BlockDepth { get; set; }

        /// <summary>
        /// Tensor arrays created with a size known when the module is scripted ('new Tensor[n]'): each element is a
        /// TorchScript local '&lt;name&gt;_&lt;i&gt;'; the value is the block depth of the declaration.
        /// </summary>
        public Dictionary<ISymbol, (string Name, int Depth)> Slots { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>
        /// Locals 'using var s = v.ToScalar();': TorchSharp Scalars held by the C# code, which TorchScript does not
        /// need; each stands for its number v (the value).
        /// </summary>
        public Dictionary<ISymbol, IOperation> HeldScalars { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>
        /// The generated code's C# locals for held Scalars of values fixed when the module is scripted: fresh names,
        /// as every method's builder code shares one C# scope and 'one', 'two' recur.
        /// </summary>
        public Dictionary<ISymbol, string> HeldLocals { get; } = new(SymbolEqualityComparer.Default);
    }

    private string TranslateMethod(IMethodSymbol method, string tsName)
    {
        var syntax = method.DeclaringSyntaxReferences[0].GetSyntax(_ct);
        var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
        _w = new CodeWriter();
        var where = method.Locations[0];
        if (method.IsGenericMethod || method.IsAsync || method.IsExtensionMethod || method.IsVararg)
        {
            Report(Descriptors.UnsupportedHelper, where,
                $"'{method.Name}' cannot be scripted: it is {(method.IsGenericMethod ? "generic" : method.IsAsync ? "async" : "an extension or varargs method")}; scripted methods are plain non-generic methods of the module class.");
            return "";
        }

        var ret = method.ReturnsVoid ? TsType.None : MapType(method.ReturnType, method.ReturnNullableAnnotation == NullableAnnotation.Annotated);
        if (ret is null)
        {
            Report(Descriptors.UnsupportedType, ReturnTypeLocation(syntax) ?? where,
                $"'{method.Name}' returns {method.ReturnType.ToDisplayString()}, which TorchScript cannot hold; return {SupportedTypes}.");
            ret = TsType.None;
        }

        _m = new MethodState(method, ret);
        var b = BuilderVar(tsName);
        var header = new StringBuilder($"var {b} = new __Ir.MethodBuilder({Literal(tsName)}, {ret.Code})");
        foreach (var p in method.Parameters)
        {
            var ploc = p.Locations.FirstOrDefault() ?? where;
            if (p.RefKind != RefKind.None)
            {
                Report(Descriptors.RefOut, ploc,
                    $"Parameter '{p.Name}' of '{method.Name}' is passed by {RefKindName(p.RefKind)}; TorchScript has no by-reference parameters. Return the values instead (a tuple for several).");
                continue;
            }

            if (p.IsParams)
            {
                Report(Descriptors.UnsupportedHelper, ploc,
                    $"Parameter '{p.Name}' of '{method.Name}' is a params array; take a Tensor[] (or List<Tensor>) parameter instead.");
                continue;
            }

            var type = MapType(p.Type, p.NullableAnnotation == NullableAnnotation.Annotated);
            if (type is null)
            {
                Report(Descriptors.UnsupportedType, ploc,
                    $"Parameter '{p.Name}' of '{method.Name}' has type {p.Type.ToDisplayString()}, which TorchScript cannot hold; use {SupportedTypes}.");
                continue;
            }

            var name = DeclareName(p);
            _m.Types[p] = type;
            _m.Assigned.Add(p);
            var def = "";
            if (p.HasExplicitDefaultValue)
            {
                var lit = LiteralOf(p.ExplicitDefaultValue, p.Type);
                if (lit is null)
                {
                    Report(Descriptors.UnsupportedHelper, ploc,
                        $"The default value of parameter '{p.Name}' of '{method.Name}' is not an int, float, bool, string or null literal.");
                    continue;
                }

                def = ", " + lit.Code;
            }

            header.Append($".Param({Literal(name)}, {type.Code}{def})");
        }

        _w.Line(header + ";");
        if (model.GetOperation(syntax, _ct) is not IMethodBodyOperation body)
        {
            Report(Descriptors.UnsupportedHelper, where, $"'{method.Name}' has no body to script.");
            return _w.ToString();
        }

        Stmt(body.BlockBody ?? body.ExpressionBody!, b);
        return _w.ToString();
    }

    private static Location? ReturnTypeLocation(SyntaxNode syntax) =>
        syntax is MethodDeclarationSyntax m ? m.ReturnType.GetLocation() : null;

    private static string RefKindName(RefKind k) => k switch
    {
        RefKind.Out => "out",
        RefKind.In => "in",
        _ => "ref",
    };

    private void Stmt(IOperation op, string b)
    {
        _ct.ThrowIfCancellationRequested();
        switch (op)
        {
            case IBlockOperation block:
                foreach (var s in block.Operations)
                {
                    Stmt(s, b);
                }

                break;
            case IVariableDeclarationGroupOperation group:
                foreach (var d in group.Declarations)
                {
                    foreach (var v in d.Declarators)
                    {
                        Declarator(v, d, b);
                    }
                }

                break;
            case IExpressionStatementOperation e:
                ExpressionStatement(e.Operation, b);
                break;
            case IReturnOperation r:
                Return(r, b);
                break;
            case IConditionalOperation c:
                If(c, b);
                break;
            case IForLoopOperation f:
                For(f, b);
                break;
            case IForEachLoopOperation f:
                ForEach(f, b);
                break;
            case IWhileLoopOperation w:
                While(w, b);
                break;
            case IBranchOperation br:
                Branch(br, b);
                break;
            case ILabeledOperation:
                Report(Descriptors.Goto, op,
                    "Labels and goto are not supported in scripted code (TorchScript has no goto); use while, break and continue.");
                break;
            case ITryOperation t:
                Report(Descriptors.TryCatch, t.Syntax is TryStatementSyntax ts ? ts.TryKeyword.GetLocation() : t.Syntax.GetLocation(),
                    "try/catch/finally is not supported in scripted code (TorchScript has no exception handling); remove it: errors raised by TorchScript ops surface as exceptions of the loaded module.");
                break;
            case IThrowOperation t:
                Throw(t, b);
                break;
            case ISwitchOperation s:
                Report(Descriptors.Switch, s.Syntax is SwitchStatementSyntax ss ? ss.SwitchKeyword.GetLocation() : s.Syntax.GetLocation(),
                    "switch is not supported in scripted code; write an if / else if chain.");
                break;
            case ILocalFunctionOperation lf:
                Report(Descriptors.LocalFunction, lf.Syntax is LocalFunctionStatementSyntax lfs ? lfs.Identifier.GetLocation() : lf.Syntax.GetLocation(),
                    $"Local function '{lf.Symbol.Name}' is not supported in scripted code; make it a private method of the module class (it becomes a TorchScript method).");
                break;
            case IUsingDeclarationOperation u:
                if (IsDisposeScope(u.DeclarationGroup))
                {
                    break;
                }

                if (HeldScalarReceivers(u.DeclarationGroup) is { } held)
                {
                    DeclareHeld(held, b);
                    break;
                }

                Report(Descriptors.UsingStatement, op,
                    "'using' is not supported in scripted code, except 'using var scope = torch.NewDisposeScope();' (ignored: TorchScript manages tensor lifetimes) and 'using var s = number.ToScalar();' (s stands for the number).");
                break;
            case IUsingOperation u:
                if (IsDisposeScope(u.Resources))
                {
                    Stmt(u.Body, b);
                }
                else if (u.Resources is IVariableDeclarationGroupOperation resources && HeldScalarReceivers(resources) is { } heldResources)
                {
                    DeclareHeld(heldResources, b);
                    Stmt(u.Body, b);
                }
                else
                {
                    Report(Descriptors.UsingStatement, u.Syntax is UsingStatementSyntax us ? us.UsingKeyword.GetLocation() : u.Syntax.GetLocation(),
                        "'using' is not supported in scripted code, except around torch.NewDisposeScope() (ignored: TorchScript manages tensor lifetimes) and 'using (var s = number.ToScalar())' (s stands for the number).");
                }

                break;
            case IEmptyOperation:
                break;
            default:
                Report(Descriptors.UnsupportedStatement, op,
                    $"This statement ({Describe(op)}) is not supported in scripted code; see docs/scripting-subset.md for the supported statements (locals, assignment, if/else, for over an int range, foreach over tensor rows, while, break, continue, return).");
                break;
        }
    }

    private static string Describe(IOperation op) => op.Syntax switch
    {
        LockStatementSyntax => "lock",
        FixedStatementSyntax => "fixed",
        CheckedStatementSyntax => "checked/unchecked block",
        UnsafeStatementSyntax => "unsafe block",
        YieldStatementSyntax => "yield",
        _ => op.Kind.ToString(),
    };

    private bool IsDisposeScope(IOperation? op)
    {
        if (op is null)
        {
            return false;
        }

        var inits = op.DescendantsAndSelf().OfType<IVariableInitializerOperation>().Select(i => i.Value).ToList();
        if (op is not IVariableDeclarationGroupOperation && inits.Count == 0)
        {
            inits.Add(op);
        }

        return inits.Count > 0 && inits.All(v => Unwrap(v) is IInvocationOperation inv &&
            inv.TargetMethod.Name == "NewDisposeScope" && SymbolEqualityComparer.Default.Equals(inv.TargetMethod.ContainingType, _torch));
    }

    // The numbers of 'using var a = x.ToScalar(), b = y.ToScalar();' (TorchSharp's ScalarExtensionMethods.ToScalar on an
    // int, long, float or double), or null when any declarator is something else.
    private List<(IVariableDeclaratorOperation Declarator, IVariableDeclarationOperation Declaration, IOperation Receiver)>? HeldScalarReceivers(
        IVariableDeclarationGroupOperation group)
    {
        var held = new List<(IVariableDeclaratorOperation, IVariableDeclarationOperation, IOperation)>();
        foreach (var d in group.Declarations)
        {
            foreach (var v in d.Declarators)
            {
                var init = v.Initializer?.Value ?? d.Initializer?.Value;
                if (init is null || Unwrap(init) is not IInvocationOperation { Instance: null, Arguments.Length: 1 } inv ||
                    inv.TargetMethod is not { Name: "ToScalar", IsExtensionMethod: true } m ||
                    m.ContainingType is not { Name: "ScalarExtensionMethods" } ext || ext.ContainingNamespace?.ToDisplayString() != "TorchSharp" ||
                    !IsScalar(m.ReturnType))
                {
                    return null;
                }

                var receiver = inv.Arguments[0].Value;
                if (receiver.Type?.SpecialType is not (SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Single or SpecialType.System_Double))
                {
                    return null;
                }

                held.Add((v, d, receiver));
            }
        }

        return held.Count > 0 ? held : null;
    }

    // The C# code holds the Scalar for TorchSharp's sake; TorchScript takes the number itself.
    private void DeclareHeld(List<(IVariableDeclaratorOperation Declarator, IVariableDeclarationOperation Declaration, IOperation Receiver)> held, string b)
    {
        foreach (var (v, d, receiver) in held)
        {
            Declarator(v, d, b, receiver);
        }
    }

    // The type a local's value has in the script: a held Scalar's number type, else the local's own.
    private ITypeSymbol? ValueType(IOperation op) =>
        Unwrap(op) is ILocalReferenceOperation l && _m.HeldScalars.TryGetValue(l.Local, out var number) ? number.Type : op.Type;

    // heldReceiver: for 'using var s = number.ToScalar()', the number, which the local stands for.
    private void Declarator(IVariableDeclaratorOperation v, IVariableDeclarationOperation decl, string b, IOperation? heldReceiver = null)
    {
        var local = v.Symbol;
        var init = heldReceiver ?? v.Initializer?.Value ?? decl.Initializer?.Value;
        var localType = heldReceiver?.Type ?? local.Type;
        if (heldReceiver is not null)
        {
            _m.HeldScalars[local] = heldReceiver;
        }

        var explicitNullable = v.Syntax.Parent is VariableDeclarationSyntax { Type: NullableTypeSyntax };
        var type = MapType(localType, explicitNullable);
        if (init is not null && Unwrap(init) is IAnonymousFunctionOperation or IDelegateCreationOperation && !IsConst(init))
        {
            E(Unwrap(init));
            return;
        }

        if (init is not null && type is { Kind: TsTypeKind.List } && type.Element.Kind == TsTypeKind.Tensor &&
            Unwrap(init) is IArrayCreationOperation { Initializer: null, DimensionSizes.Length: 1 } sized && IsConst(sized.DimensionSizes[0]) &&
            !IsAssignedAnywhere(local))
        {
            // new Tensor[n] with n known when the module is scripted: one TorchScript local per element.
            var slot = DeclareName(local);
            _m.Slots[local] = (slot, _m.BlockDepth);
            _m.Types[local] = type;
            _w.Line($"int __n_{slot} = (int)({Text(sized.DimensionSizes[0])});");
            return;
        }

        var tensorValued = type is not null && (type.Kind == TsTypeKind.Tensor || type.Items.Any(i => i.Kind == TsTypeKind.Tensor));
        // A held Scalar of a literal is inlined too: the script reads as it did when the number was passed directly.
        if (init is not null && !tensorValued && IsConst(init) && (heldReceiver is not null || !init.ConstantValue.HasValue) && !IsAssignedAnywhere(local))
        {
            // A value computed only from the module (never reassigned): a C# local of the generated code, evaluated
            // when the module is scripted and inlined where it is used.
            _m.CompileTime.Add(local);
            var csharpName = local.Name;
            if (heldReceiver is not null)
            {
                csharpName = NewVar(local.Name);
                _m.HeldLocals[local] = csharpName;
            }

            _w.Line($"{localType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)} {csharpName} = {Text(init)};");
            return;
        }

        if (type is null || IsModule(localType))
        {
            if (init is not null && IsConst(init) && !IsAssignedAnywhere(local))
            {
                // A module-derived value (Irreps, arrays, ...): a C# local of the generated code, used in constants.
                _m.CompileTime.Add(local);
                _w.Line($"{localType.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)} {local.Name} = {Text(init)};");
                return;
            }

            Report(Descriptors.UnsupportedType, v.Syntax,
                IsModule(localType)
                    ? $"Local '{local.Name}' holds a module; call submodules through the module's fields (e.g. '{(init is null ? "child" : Text(init))}.call(x)')."
                    : $"Local '{local.Name}' has type {localType.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString()}, which TorchScript cannot hold; use {SupportedTypes}. (A value computed only from the module's fields may be stored in such a local if it is never reassigned: it is evaluated when the module is scripted.)");
            return;
        }

        var name = DeclareName(local);
        _m.Types[local] = type;
        if (init is null)
        {
            _m.Uninitialized[local] = _m.RuntimeLoopDepth;
            return;
        }

        var ex = E(init);
        if (ex is null)
        {
            return;
        }

        if (type.Kind == TsTypeKind.List && ex.Type.Kind == TsTypeKind.List && ex.Type.Element.Kind == TsTypeKind.Optional &&
            ex.Type.Element.Element.Equals(type.Element))
        {
            // torch.autograd.grad's List[Optional[Tensor]] held in an IList<Tensor>: keep the TorchScript type, its
            // items are cast where C# uses them as tensors.
            type = ex.Type;
            _m.Types[local] = type;
        }

        _m.Assigned.Add(local);
        EmitAssign(b, name, type, ex, declare: true);
    }

    private void EmitAssign(string b, string name, TsType type, Ex ex, bool declare)
    {
        if (declare && (type.Kind == TsTypeKind.Optional || (type.Kind == TsTypeKind.List && ex.Code.StartsWith("__ir.ListOf(", StringComparison.Ordinal))))
        {
            _w.Line($"{b}.Declare({Literal(name)}, {type.Code}, {ex.Code});");
        }
        else
        {
            _w.Line($"{b}.Assign({Literal(name)}, {ex.Code});");
        }
    }

    private static string SlotName(string name, IOperation index) =>
        $"{Literal(name + "_")} + ((long)({Text(index)})).ToString(global::System.Globalization.CultureInfo.InvariantCulture)";

    // Whether every value the method gives `local` (its initializer and each write) is a dictionary or list it
    // creates: an object creation or a collection expression.
    private bool OnlyCreatedHere(ILocalSymbol local)
    {
        var writes = WritesOf(local).ToList();
        return writes.Count > 0 && writes.All(w => w.Value is { } value &&
            w.Model.GetOperation(value, _ct) is { } op && Unwrap(op) is IObjectCreationOperation or ICollectionExpressionOperation);
    }

    private bool IsAssignedAnywhere(ILocalSymbol local) => WritesOf(local).Any(w => !w.Declaration);

    // Every place the method gives `local` a value: its declarator (Declaration, the initializer as Value, if any), an
    // assignment (the right-hand side), ++ / -- and ref / out arguments (no Value).
    private IEnumerable<(bool Declaration, ExpressionSyntax? Value, SemanticModel Model)> WritesOf(ILocalSymbol local)
    {
        var body = _m.Method.DeclaringSyntaxReferences[0].GetSyntax(_ct);
        var model = _compilation.GetSemanticModel(body.SyntaxTree);
        bool Is(ExpressionSyntax? e) => e is IdentifierNameSyntax id && id.Identifier.Text == local.Name &&
            SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(id, _ct).Symbol, local);
        foreach (var node in body.DescendantNodes())
        {
            switch (node)
            {
                case VariableDeclaratorSyntax d when d.Identifier.Text == local.Name &&
                    SymbolEqualityComparer.Default.Equals(model.GetDeclaredSymbol(d, _ct), local):
                    yield return (true, d.Initializer?.Value, model);
                    break;
                case AssignmentExpressionSyntax a when Is(a.Left):
                    yield return (false, a.Right, model);
                    break;
                case PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PreIncrementExpression or (int)SyntaxKind.PreDecrementExpression } p when Is(p.Operand):
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.PostIncrementExpression or (int)SyntaxKind.PostDecrementExpression } q when Is(q.Operand):
                case ArgumentSyntax { RefKindKeyword.RawKind: not 0 } arg when Is(arg.Expression):
                    yield return (false, null, model);
                    break;
            }
        }
    }
}
