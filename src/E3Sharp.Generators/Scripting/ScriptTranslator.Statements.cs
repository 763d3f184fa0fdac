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
                if (!IsDisposeScope(u.DeclarationGroup))
                {
                    Report(Descriptors.UsingStatement, op,
                        "'using' is not supported in scripted code, except 'using var scope = torch.NewDisposeScope();' (ignored: TorchScript manages tensor lifetimes).");
                }

                break;
            case IUsingOperation u:
                if (IsDisposeScope(u.Resources))
                {
                    Stmt(u.Body, b);
                }
                else
                {
                    Report(Descriptors.UsingStatement, u.Syntax is UsingStatementSyntax us ? us.UsingKeyword.GetLocation() : u.Syntax.GetLocation(),
                        "'using' is not supported in scripted code, except around torch.NewDisposeScope() (ignored: TorchScript manages tensor lifetimes).");
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

    private void Declarator(IVariableDeclaratorOperation v, IVariableDeclarationOperation decl, string b)
    {
        var local = v.Symbol;
        var init = v.Initializer?.Value ?? decl.Initializer?.Value;
        var explicitNullable = v.Syntax.Parent is VariableDeclarationSyntax { Type: NullableTypeSyntax };
        var type = MapType(local.Type, explicitNullable);
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
        if (init is not null && !tensorValued && IsConst(init) && !init.ConstantValue.HasValue && !IsAssignedAnywhere(local))
        {
            // A value computed only from the module (never reassigned): a C# local of the generated code, evaluated
            // when the module is scripted and inlined where it is used.
            _m.CompileTime.Add(local);
            _w.Line($"{local.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)} {local.Name} = {Text(init)};");
            return;
        }

        if (type is null || IsModule(local.Type))
        {
            if (init is not null && IsConst(init) && !IsAssignedAnywhere(local))
            {
                // A module-derived value (Irreps, arrays, ...): a C# local of the generated code, used in constants.
                _m.CompileTime.Add(local);
                _w.Line($"{local.Type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat)} {local.Name} = {Text(init)};");
                return;
            }

            Report(Descriptors.UnsupportedType, v.Syntax,
                IsModule(local.Type)
                    ? $"Local '{local.Name}' holds a module; call submodules through the module's fields (e.g. '{(init is null ? "child" : Text(init))}.call(x)')."
                    : $"Local '{local.Name}' has type {local.Type.WithNullableAnnotation(NullableAnnotation.NotAnnotated).ToDisplayString()}, which TorchScript cannot hold; use {SupportedTypes}. (A value computed only from the module's fields may be stored in such a local if it is never reassigned: it is evaluated when the module is scripted.)");
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

    private void ExpressionStatement(IOperation e, string b)
    {
        switch (e)
        {
            case ISimpleAssignmentOperation a:
                Assign(a.Target, a.Value, a, b);
                return;
            case ICompoundAssignmentOperation ca:
            {
                if (AssignTarget(ca.Target, ca) is not { } target)
                {
                    return;
                }

                var left = new Ex($"__ir.Var({Literal(target.Name)})", target.Type);
                var right = E(ca.Value);
                if (right is null)
                {
                    return;
                }

                var code = BinaryCode(ca.OperatorKind, left, right, ca, ca.OperatorMethod);
                if (code is not null)
                {
                    MarkAssigned(target.Symbol, ca);
                    _w.Line($"{b}.Assign({Literal(target.Name)}, {code.Code});");
                }

                return;
            }

            case IIncrementOrDecrementOperation inc:
            {
                if (AssignTarget(inc.Target, inc) is not { } target)
                {
                    return;
                }

                if (target.Type.Kind != TsTypeKind.Int)
                {
                    Report(Descriptors.UnsupportedOperator, inc, "++ and -- are supported on int locals only; write 'x = x + 1.0' for floats.");
                    return;
                }

                var op = inc.Kind == OperationKind.Increment ? "Add" : "Sub";
                MarkAssigned(target.Symbol, inc);
                _w.Line($"{b}.Assign({Literal(target.Name)}, __ir.Binary(__Ir.BinaryOp.{op}, __ir.Var({Literal(target.Name)}), __ir.Int(1)));");
                return;
            }

            case IDeconstructionAssignmentOperation d:
                Deconstruct(d, b);
                return;
            case IInvocationOperation inv when IsEagerOnly(inv.TargetMethod):
                _w.Line($"// {inv.TargetMethod.Name}(...) is [EagerOnly]: not part of the script");
                return;
            case IInvocationOperation inv when IsTensor(inv.TargetMethod.ContainingType) && inv.TargetMethod.Name == "Dispose":
                return;
        }

        var ex = E(e);
        if (ex is not null)
        {
            _w.Line($"{b}.Do({ex.Code});");
        }
    }

    private bool IsEagerOnly(IMethodSymbol m) =>
        _eagerOnly is not null && m.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, _eagerOnly));

    private sealed class Target
    {
        public Target(ISymbol symbol, string name, TsType type)
        {
            Symbol = symbol;
            Name = name;
            Type = type;
        }

        public ISymbol Symbol { get; }

        public string Name { get; }

        public TsType Type { get; }
    }

    private Target? AssignTarget(IOperation target, IOperation site)
    {
        switch (Unwrap(target))
        {
            case ILocalReferenceOperation l when _m.CompileTime.Contains(l.Local):
                Report(Descriptors.StateAssignment, site,
                    $"'{l.Local.Name}' is evaluated when the module is scripted (a loop over module state or a module-derived value) and cannot be assigned in scripted code; use another local.");
                return null;
            case ILocalReferenceOperation l:
                return _m.Types.TryGetValue(l.Local, out var lt) ? new Target(l.Local, NameOf(l.Local), lt) : null;
            case IParameterReferenceOperation p:
                return _m.Types.TryGetValue(p.Parameter, out var pt) ? new Target(p.Parameter, NameOf(p.Parameter), pt) : null;
            case IFieldReferenceOperation f:
                Report(Descriptors.StateAssignment, site,
                    $"Scripted code cannot assign the field '{f.Field.Name}': TorchScript forward methods do not change module state. Assign to a local instead (fields are read when the module is scripted).");
                return null;
            case IPropertyReferenceOperation p when p.Arguments.Length == 0:
                Report(Descriptors.StateAssignment, site,
                    $"Scripted code cannot assign the property '{p.Property.Name}': TorchScript forward methods do not change module state. Assign to a local instead.");
                return null;
            case IPropertyReferenceOperation { Property.IsIndexer: true } indexer
                when MapType(indexer.Property.ContainingType, false)?.Kind is TsTypeKind.Dict or TsTypeKind.List:
                Report(Descriptors.UnsupportedExpression, site,
                    "Compound item assignment (d[key] += v) is not supported in scripted code; write 'd[key] = d[key] + v'.");
                return null;
            case IPropertyReferenceOperation or IArrayElementReferenceOperation:
                Report(Descriptors.UnsupportedExpression, site,
                    "Element assignment (x[i] = v) is not supported in scripted code: tensors are not written in place. Build the result with torch.cat, torch.stack or torch.where, or collect tensors in a List<Tensor> with Add.");
                return null;
            default:
                Report(Descriptors.UnsupportedExpression, site,
                    "Only locals and parameters can be assigned in scripted code.");
                return null;
        }
    }

    private void MarkAssigned(ISymbol symbol, IOperation site)
    {
        if (_m.Assigned.Add(symbol) && _m.Uninitialized.TryGetValue(symbol, out var depth) && _m.RuntimeLoopDepth > depth)
        {
            Report(Descriptors.AssignedInLoop, site,
                $"Local '{symbol.Name}' is first assigned inside a loop; TorchScript does not see such a variable after the loop. Initialize it where it is declared.");
        }
    }

    private void Assign(IOperation targetOp, IOperation valueOp, IOperation site, string b)
    {
        if (Unwrap(targetOp) is IArrayElementReferenceOperation { Indices.Length: 1 } element &&
            Unwrap(element.ArrayReference) is ILocalReferenceOperation arrayLocal && _m.Slots.TryGetValue(arrayLocal.Local, out var slot))
        {
            if (!IsConst(element.Indices[0]))
            {
                Report(Descriptors.UnsupportedExpression, site,
                    $"'{arrayLocal.Local.Name}' (new Tensor[n]) can only be indexed by values known when the module is scripted (loop variables of loops over module state, constants); use a List<Tensor> and Add otherwise.");
                return;
            }

            if (_m.BlockDepth > slot.Depth)
            {
                Report(Descriptors.AssignedInLoop, site,
                    $"Elements of '{arrayLocal.Local.Name}' (new Tensor[n]) must be assigned outside if/loop bodies that run in TorchScript (TorchScript does not see variables first assigned there); compute the value in a local first.");
                return;
            }

            var value = E(valueOp);
            if (value is not null)
            {
                _w.Line($"{b}.Assign({SlotName(slot.Name, element.Indices[0])}, {value.Code});");
            }

            return;
        }

        if (Unwrap(targetOp) is IDiscardOperation)
        {
            var d = E(valueOp);
            if (d is not null)
            {
                _w.Line($"{b}.Do({d.Code});");
            }

            return;
        }

        if (Unwrap(targetOp) is IPropertyReferenceOperation { Property.IsIndexer: true, Arguments.Length: 1, Instance: { } container } item
            && MapType(item.Property.ContainingType, false)?.Kind is TsTypeKind.Dict or TsTypeKind.List)
        {
            SetItem(container, item.Arguments[0].Value, valueOp, site, b);
            return;
        }

        if (Unwrap(targetOp) is IImplicitIndexerReferenceOperation implicitItem                      // list[^1] = v
            && implicitItem.Instance.Type is { } listType && MapType(listType, false)?.Kind is TsTypeKind.List)
        {
            SetItem(implicitItem.Instance, implicitItem.Argument, valueOp, site, b);
            return;
        }

        if (AssignTarget(targetOp, site) is not { } target)
        {
            return;
        }

        var ex = E(valueOp);
        if (ex is null)
        {
            return;
        }

        var first = !_m.Assigned.Contains(target.Symbol);
        MarkAssigned(target.Symbol, site);
        EmitAssign(b, target.Name, target.Type, ex, declare: first);
    }

    // d[key] = v or list[i] = v on a local Dictionary<string, T> or List<T> that the method creates: TorchScript's item
    // assignment, which changes the dict or list in place as the C# indexer does. Only such locals: a dict or list
    // fixed when the module is scripted (a field, or a value computed from fields) is written into the script as a copy
    // wherever it is used, so a change made through another name (a parameter, an alias) would not be seen there.
    private void SetItem(IOperation containerOp, IOperation indexOp, IOperation valueOp, IOperation site, string b)
    {
        if (Unwrap(containerOp) is not ILocalReferenceOperation l || _m.CompileTime.Contains(l.Local) || !OnlyCreatedHere(l.Local))
        {
            Report(Descriptors.StateAssignment, site,
                "Item assignment (d[key] = v, list[i] = v) is supported on a local dictionary or list that this method creates (new Dictionary<string, T> { ... }, new List<T> { ... }, [ ... ]) and assigns nothing else: a field, a parameter, or a value fixed when the module is scripted is written into the script as a copy, so the change would not be seen where it is read. Build a new dictionary or list in a local.");
            return;
        }

        var container = E(containerOp);
        if (container is null)
        {
            return;
        }

        var isDict = container.Type.Kind == TsTypeKind.Dict;
        var index = isDict ? E(indexOp) : IndexValue(indexOp);
        var value = E(valueOp);
        if (index is null || value is null)
        {
            return;
        }

        if (isDict && index.Type.Kind != TsTypeKind.Str)
        {
            Report(Descriptors.UnsupportedExpression, indexOp, $"A dict key must be a string (this one is {index.Type.Name}).");
            return;
        }

        var element = isDict ? container.Type.Items[1] : container.Type.Element;
        if (!value.Type.Equals(element) && !(element.Kind == TsTypeKind.Optional && element.Element.Equals(value.Type)))
        {
            Report(Descriptors.UnsupportedExpression, valueOp, $"A {value.Type.Name} cannot be stored in a {container.Type.Name}.");
            return;
        }

        _w.Line($"{b}.SetItem({container.Code}, {index.Code}, {value.Code});");
    }

    private void Deconstruct(IDeconstructionAssignmentOperation d, string b)
    {
        var targetOp = d.Target is IDeclarationExpressionOperation de ? de.Expression : d.Target;
        if (targetOp is not ITupleOperation tuple)
        {
            Report(Descriptors.UnsupportedExpression, d, "Only deconstruction into locals ('var (a, b) = ...') is supported.");
            return;
        }

        var names = new List<string>();
        foreach (var el in tuple.Elements)
        {
            var u = Unwrap(el);
            if (u is IDiscardOperation)
            {
                names.Add(FreshName("_unused"));
                continue;
            }

            if (u is IDeclarationExpressionOperation { Expression: ILocalReferenceOperation dl })
            {
                u = dl;
            }

            if (u is ILocalReferenceOperation l && !_m.Names.ContainsKey(l.Local))
            {
                var t = MapType(l.Local.Type, false);
                if (t is null)
                {
                    Report(Descriptors.UnsupportedType, el, $"Local '{l.Local.Name}' has type {l.Local.Type.ToDisplayString()}, which TorchScript cannot hold; use {SupportedTypes}.");
                    return;
                }

                DeclareName(l.Local);
                _m.Types[l.Local] = t;
            }

            if (AssignTarget(u, el) is not { } target)
            {
                return;
            }

            MarkAssigned(target.Symbol, el);
            names.Add(target.Name);
        }

        var value = E(d.Value);
        if (value is null)
        {
            return;
        }

        if (value.Type.Kind != TsTypeKind.Tuple || value.Type.Items.Count != names.Count)
        {
            Report(Descriptors.UnsupportedExpression, d.Value, $"Only tuples can be deconstructed in scripted code (this value is {value.Type.Name}).");
            return;
        }

        _w.Line($"{b}.Unpack(new string[] {{ {string.Join(", ", names.Select(Literal))} }}, {value.Code});");
    }

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
