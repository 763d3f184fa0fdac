using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Tracing;

// Release tracking (RS2008) is not set up for the shared generator project; ids are documented in docs/tracing.md.
#pragma warning disable RS2008

/// <summary>Diagnostics of the tracing-twin generator (E3S050-E3S099).</summary>
internal static class TwinDiagnostics
{
    private const string Category = "E3Sharp.Tracing";

    public static readonly DiagnosticDescriptor UnsupportedTensorMember = new(
        "E3S050", "Tensor member not supported by tracing",
        "'{0}' cannot be traced: the tracer has no recording counterpart of the Tensor member '{1}' (module {2})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedTorchFunction = new(
        "E3S051", "torch function not supported by tracing",
        "'{0}' cannot be traced: the tracer has no recording counterpart of 'torch.{1}' (module {2})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor RandomTensor = new(
        "E3S052", "Random tensor created in a traced forward",
        "'{0}' creates random numbers inside a traced forward; a trace would freeze them into a constant (module {1})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UntraceableMethod = new(
        "E3S053", "Method taking tensors is not traceable",
        "'{0}' takes or returns a Tensor but has no tracing twin: move it into the module class, or mark its class " +
        "[E3Sharp.Jit.Traceable] static partial (module {1})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TensorStateWrite = new(
        "E3S054", "Tensor field or property assigned in a traced forward",
        "'{0}' assigns the tensor member '{1}' inside a traced forward; traced code cannot change the module's state (module {2})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NotPartial = new(
        "E3S055", "Traced module class must be partial",
        "'{0}' is compiled by tracing ([CompileMode(JitMode.Trace)]) but '{1}' is not declared 'partial'; the E3Sharp " +
        "generator needs the class and every class containing it to be partial to add its tracing twin",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericModule = new(
        "E3S056", "Generic module class cannot be traced",
        "'{0}' is compiled by tracing but is generic; tracing twins are generated for non-generic module classes only",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor TraceableNotStaticPartial = new(
        "E3S057", "[Traceable] class must be static partial",
        "'{0}' is marked [Traceable] but is not a 'static partial' class (and every class containing it partial)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NoForward = new(
        "E3S058", "Traced module has no forward",
        "'{0}' is compiled by tracing but declares or inherits no 'forward' method whose parameters are tensors",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnsupportedConstruct = new(
        "E3S059", "Construct not supported in a traced forward",
        "'{0}' cannot be traced: {1} (module {2})",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static DiagnosticDescriptor ById(string id) => id switch
    {
        "E3S050" => UnsupportedTensorMember,
        "E3S051" => UnsupportedTorchFunction,
        "E3S052" => RandomTensor,
        "E3S053" => UntraceableMethod,
        "E3S054" => TensorStateWrite,
        "E3S055" => NotPartial,
        "E3S056" => GenericModule,
        "E3S057" => TraceableNotStaticPartial,
        "E3S058" => NoForward,
        _ => UnsupportedConstruct,
    };
}
