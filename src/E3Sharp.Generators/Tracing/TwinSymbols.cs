using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Tracing;

/// <summary>The symbols the tracing-twin generator needs and the questions it asks of them, once per compilation.</summary>
internal sealed class TwinSymbols
{
    public const string TraceTensorName = "global::E3Sharp.Jit.Tracing.TraceTensor";
    public const string TraceTorchName = "global::E3Sharp.Jit.Tracing.TraceTorch";
    public const string RuntimeName = "global::E3Sharp.Jit.Tracing.TraceRuntime";
    public const string RegistryName = "global::E3Sharp.Jit.Tracing.TraceRegistry";
    public const string TensorExtensionsName = "E3Sharp.Jit.TensorExtensions";

    private TwinSymbols(KnownSymbols known, INamedTypeSymbol tensor, INamedTypeSymbol module, INamedTypeSymbol traceTensor,
        INamedTypeSymbol traceTorch)
    {
        Compilation = known.Compilation;
        Tensor = tensor;
        Module = module;
        TraceTensor = traceTensor;
        TraceTorch = traceTorch;
        Torch = known.Torch;
        CompileMode = known.CompileMode;
        Traceable = known.Traceable;
        TraceTensorMembers = new HashSet<string>(traceTensor.GetMembers().Select(m => m.Name));
    }

    public Compilation Compilation { get; }

    public INamedTypeSymbol Tensor { get; }

    public INamedTypeSymbol Module { get; }

    public INamedTypeSymbol TraceTensor { get; }

    public INamedTypeSymbol TraceTorch { get; }

    public INamedTypeSymbol? Torch { get; }

    public INamedTypeSymbol? CompileMode { get; }

    public INamedTypeSymbol? Traceable { get; }

    public HashSet<string> TraceTensorMembers { get; }

    /// <summary>The twin generator's view of the compilation's known symbols; null when the compilation references
    /// neither TorchSharp nor E3Sharp's tracer, so there is nothing to twin.</summary>
    public static TwinSymbols? Create(KnownSymbols known) =>
        known.Tensor is { } tensor && known.Module is { } module && known.TraceTensor is { } traceTensor && known.TraceTorch is { } traceTorch
            ? new TwinSymbols(known, tensor, module, traceTensor, traceTorch)
            : null;

    public static bool Same(ISymbol? a, ISymbol? b) => SymbolEqualityComparer.Default.Equals(a, b);

    public bool IsTensor(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (Same(t.OriginalDefinition, Tensor))
            {
                return true;
            }
        }

        return false;
    }

    public bool IsModule(ITypeSymbol? type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (Same(t.OriginalDefinition, Module))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a type mentions Tensor (Tensor, Tensor[], List&lt;Tensor&gt;, (Tensor, int), Func&lt;Tensor&gt;...),
    /// ignoring the type arguments of module types.</summary>
    public bool ContainsTensor(ITypeSymbol? type)
    {
        switch (type)
        {
            case null:
                return false;
            case IArrayTypeSymbol a:
                return ContainsTensor(a.ElementType);
            case INamedTypeSymbol n:
                if (IsTensor(n))
                {
                    return true;
                }

                if (IsModule(n))
                {
                    return false;
                }

                return n.TypeArguments.Any(ContainsTensor);
            default:
                return false;
        }
    }

    public bool HasTensorSignature(IMethodSymbol m) =>
        ContainsTensor(m.ReturnType) || m.Parameters.Any(p => ContainsTensor(p.Type));

    /// <summary>For a static class inside <c>TorchSharp.torch</c> (torch, torch.nn.functional, ...): the nested path
    /// below torch (empty for torch itself); null otherwise.</summary>
    public List<string>? TorchPath(INamedTypeSymbol? type)
    {
        var path = new List<string>();
        for (var t = type; t is not null; t = t.ContainingType)
        {
            if (Torch is not null && Same(t, Torch))
            {
                path.Reverse();
                return path;
            }

            path.Add(t.Name);
        }

        return null;
    }

    /// <summary>The TraceTorch class mirroring a torch path, or null.</summary>
    public INamedTypeSymbol? TraceTorchMirror(List<string> path)
    {
        INamedTypeSymbol? t = TraceTorch;
        foreach (var p in path)
        {
            t = t?.GetTypeMembers(p).FirstOrDefault();
        }

        return t;
    }

    public bool HasAttribute(ISymbol symbol, INamedTypeSymbol? attribute) =>
        attribute is not null && symbol.GetAttributes().Any(a => Same(a.AttributeClass, attribute));

    /// <summary>Whether the class (or a base class, the attribute is inherited) has [CompileMode(JitMode.Trace)].</summary>
    public bool IsTraceMode(INamedTypeSymbol type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            foreach (var a in t.GetAttributes())
            {
                if (CompileMode is not null && Same(a.AttributeClass, CompileMode))
                {
                    return a.ConstructorArguments.Length == 1 && a.ConstructorArguments[0].Value is int v && v == 1;
                }
            }
        }

        return false;
    }

    public bool IsTraceable(INamedTypeSymbol? type) => type is not null && HasAttribute(type, Traceable);

    /// <summary>The C# spelling of a type in a twin: Tensor becomes TraceTensor, recursively.</summary>
    public string TwinTypeName(ITypeSymbol type)
    {
        var nullable = type.NullableAnnotation == NullableAnnotation.Annotated && type.IsReferenceType ? "?" : "";
        switch (type)
        {
            case IArrayTypeSymbol a:
                return TwinTypeName(a.ElementType) + "[" + new string(',', a.Rank - 1) + "]" + nullable;
            case INamedTypeSymbol n when IsTensor(n):
                return TraceTensorName + nullable;
            case INamedTypeSymbol n when n.IsTupleType && ContainsTensor(n):
                return "(" + string.Join(", ", n.TupleElements.Select(e => TwinTypeName(e.Type))) + ")" + nullable;
            case INamedTypeSymbol n when n.IsGenericType && ContainsTensor(n):
            {
                var def = n.ConstructedFrom.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
                var lt = def.IndexOf('<');
                var baseName = lt < 0 ? def : def.Substring(0, lt);
                return baseName + "<" + string.Join(", ", n.TypeArguments.Select(TwinTypeName)) + ">" + nullable;
            }

            default:
                return type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat.WithMiscellaneousOptions(
                    SymbolDisplayMiscellaneousOptions.UseSpecialTypes | SymbolDisplayMiscellaneousOptions.IncludeNullableReferenceTypeModifier));
        }
    }
}
