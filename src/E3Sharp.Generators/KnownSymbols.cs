using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators;

/// <summary>
/// The TorchSharp and E3Sharp types the generators bind against, looked up once per compilation (each generator
/// combines its syntax matches with one instance) rather than once per class. A null member means the compilation
/// does not reference the assembly that declares it.
/// </summary>
internal sealed class KnownSymbols
{
    public KnownSymbols(Compilation compilation)
    {
        Compilation = compilation;
        Tensor = compilation.GetTypeByMetadataName("TorchSharp.torch+Tensor");
        Torch = compilation.GetTypeByMetadataName("TorchSharp.torch");
        Module = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+Module");
        Functional = compilation.GetTypeByMetadataName("TorchSharp.torch+nn+functional");
        Scalar = compilation.GetTypeByMetadataName("TorchSharp.Scalar");
        ScalarType = compilation.GetTypeByMetadataName("TorchSharp.torch+ScalarType");
        TensorIndex = compilation.GetTypeByMetadataName("TorchSharp.torch+TensorIndex");
        CompileMode = compilation.GetTypeByMetadataName("E3Sharp.Jit.CompileModeAttribute");
        Traceable = compilation.GetTypeByMetadataName("E3Sharp.Jit.TraceableAttribute");
        Export = compilation.GetTypeByMetadataName("E3Sharp.Jit.Scripting.ExportAttribute");
        EagerOnly = compilation.GetTypeByMetadataName("E3Sharp.Jit.Scripting.EagerOnlyAttribute");
        ScriptRegistry = compilation.GetTypeByMetadataName("E3Sharp.Jit.Scripting.ScriptRegistry");
        TraceTensor = compilation.GetTypeByMetadataName("E3Sharp.Jit.Tracing.TraceTensor");
        TraceTorch = compilation.GetTypeByMetadataName("E3Sharp.Jit.Tracing.TraceTorch");
    }

    public Compilation Compilation { get; }

    /// <summary><c>TorchSharp.torch.Tensor</c>.</summary>
    public INamedTypeSymbol? Tensor { get; }

    /// <summary><c>TorchSharp.torch</c>, the static class of the torch functions.</summary>
    public INamedTypeSymbol? Torch { get; }

    /// <summary><c>TorchSharp.torch.nn.Module</c>, the base of every module.</summary>
    public INamedTypeSymbol? Module { get; }

    public INamedTypeSymbol? Functional { get; }

    public INamedTypeSymbol? Scalar { get; }

    public INamedTypeSymbol? ScalarType { get; }

    public INamedTypeSymbol? TensorIndex { get; }

    public INamedTypeSymbol? CompileMode { get; }

    public INamedTypeSymbol? Traceable { get; }

    public INamedTypeSymbol? Export { get; }

    public INamedTypeSymbol? EagerOnly { get; }

    public INamedTypeSymbol? ScriptRegistry { get; }

    public INamedTypeSymbol? TraceTensor { get; }

    public INamedTypeSymbol? TraceTorch { get; }
}
