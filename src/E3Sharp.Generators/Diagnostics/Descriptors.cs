using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Diagnostics;

// Ids are documented in docs/scripting-subset.md and docs/tracing.md; release tracking (RS2008) is not set up.
#pragma warning disable RS2008

/// <summary>
/// Every diagnostic the generators report, in one place. Scripting (E3S001-E3S049): each message says what is not
/// supported and what to write instead; the translator computes the full text and passes it as the only format
/// argument. Tracing (E3S050-E3S059): the descriptors hold the message formats.
/// </summary>
internal static class Descriptors
{
    private const string ScriptCategory = "E3Sharp.Scripting";
    private const string TraceCategory = "E3Sharp.Tracing";
    private const string HelpLink = "docs/scripting-subset.md";

    public const string NotPartial = "E3S001";
    public const string NoForward = "E3S002";
    public const string GenericClass = "E3S003";
    public const string Inaccessible = "E3S004";
    public const string NotAModule = "E3S005";
    public const string SeveralForwards = "E3S006";
    public const string Linq = "E3S010";
    public const string Lambda = "E3S011";
    public const string TryCatch = "E3S012";
    public const string Goto = "E3S013";
    public const string Strings = "E3S014";
    public const string UnknownTorchMember = "E3S015";
    public const string StateAssignment = "E3S016";
    public const string ForeachNonTensor = "E3S017";
    public const string Switch = "E3S018";
    public const string LocalFunction = "E3S019";
    public const string RefOut = "E3S020";
    public const string UnsupportedType = "E3S021";
    public const string ExternalMethod = "E3S022";
    public const string NonCanonicalFor = "E3S023";
    public const string Recursion = "E3S024";
    public const string ObjectCreation = "E3S025";
    public const string SubmoduleUse = "E3S026";
    public const string DoWhile = "E3S027";
    public const string UnsupportedOperator = "E3S028";
    public const string NoOverload = "E3S029";
    public const string AssignedInLoop = "E3S030";
    public const string TensorFromNumber = "E3S031";
    public const string UnsupportedStatement = "E3S032";
    public const string UnsupportedExpression = "E3S033";
    public const string UsingStatement = "E3S034";
    public const string UnsupportedHelper = "E3S035";
    public const string BadExport = "E3S036";
    public const string TraceTensorMember = "E3S050";
    public const string TraceTorchFunction = "E3S051";
    public const string TraceRandom = "E3S052";
    public const string TraceUntraceableMethod = "E3S053";
    public const string TraceStateWrite = "E3S054";
    public const string TraceNotPartial = "E3S055";
    public const string TraceGeneric = "E3S056";
    public const string TraceableNotStaticPartial = "E3S057";
    public const string TraceNoForward = "E3S058";
    public const string TraceUnsupported = "E3S059";

    private static readonly Dictionary<string, DiagnosticDescriptor> ScriptDescriptors = new[]
    {
        D(NotPartial, "Scripted module class must be partial"),
        D(NoForward, "Scripted module class has no forward method"),
        D(GenericClass, "Generic module classes cannot be scripted"),
        D(Inaccessible, "Scripted module class must be accessible in its assembly"),
        D(NotAModule, "CompileMode(Script) on a class that is not a TorchSharp module"),
        D(SeveralForwards, "Several forward methods"),
        D(Linq, "LINQ is not supported in scripted code"),
        D(Lambda, "Lambdas and delegates are not supported in scripted code"),
        D(TryCatch, "Exception handling is not supported in scripted code"),
        D(Goto, "goto and labels are not supported in scripted code"),
        D(Strings, "Strings cannot be built in scripted code"),
        D(UnknownTorchMember, "TorchSharp member without a TorchScript counterpart"),
        D(StateAssignment, "Scripted code cannot change module state"),
        D(ForeachNonTensor, "foreach over something other than a tensor or a tensor list"),
        D(Switch, "switch is not supported in scripted code"),
        D(LocalFunction, "Local functions are not supported in scripted code"),
        D(RefOut, "ref/out/in are not supported in scripted code"),
        D(UnsupportedType, "Type not supported in scripted code"),
        D(ExternalMethod, "Call of a method outside the module class"),
        D(NonCanonicalFor, "for loop that is not over an int range"),
        D(Recursion, "Recursive calls are not supported in scripted code"),
        D(ObjectCreation, "Object creation is not supported in scripted code"),
        D(SubmoduleUse, "Submodules can only be called through a field or property"),
        D(DoWhile, "do-while is not supported in scripted code"),
        D(UnsupportedOperator, "Operator not supported in scripted code"),
        D(NoOverload, "No TorchScript overload accepts these arguments"),
        D(AssignedInLoop, "Local first assigned inside a loop"),
        D(TensorFromNumber, "Implicit number-to-tensor conversion"),
        D(UnsupportedStatement, "Statement not supported in scripted code"),
        D(UnsupportedExpression, "Expression not supported in scripted code"),
        D(UsingStatement, "using is not supported in scripted code"),
        D(UnsupportedHelper, "Helper method cannot be scripted"),
        D(BadExport, "Exported method cannot be compiled as a TorchScript method"),
    }.ToDictionary(d => d.Id);

    private static readonly Dictionary<string, DiagnosticDescriptor> TraceDescriptors = new[]
    {
        T(TraceTensorMember, "Tensor member not supported by tracing",
            "'{0}' cannot be traced: the tracer has no recording counterpart of the Tensor member '{1}' (module {2})"),
        T(TraceTorchFunction, "torch function not supported by tracing",
            "'{0}' cannot be traced: the tracer has no recording counterpart of 'torch.{1}' (module {2})"),
        T(TraceRandom, "Random tensor created in a traced forward",
            "'{0}' creates random numbers inside a traced forward; a trace would freeze them into a constant (module {1})"),
        T(TraceUntraceableMethod, "Method taking tensors is not traceable",
            "'{0}' takes or returns a Tensor but has no tracing twin: move it into the module class, or mark its class " +
            "[E3Sharp.Jit.Traceable] static partial (module {1})"),
        T(TraceStateWrite, "Tensor field or property assigned in a traced forward",
            "'{0}' assigns the tensor member '{1}' inside a traced forward; traced code cannot change the module's state (module {2})"),
        T(TraceNotPartial, "Traced module class must be partial",
            "'{0}' is compiled by tracing ([CompileMode(JitMode.Trace)]) but '{1}' is not declared 'partial'; the E3Sharp " +
            "generator needs the class and every class containing it to be partial to add its tracing twin"),
        T(TraceGeneric, "Generic module class cannot be traced",
            "'{0}' is compiled by tracing but is generic; tracing twins are generated for non-generic module classes only"),
        T(TraceableNotStaticPartial, "[Traceable] class must be static partial",
            "'{0}' is marked [Traceable] but is not a 'static partial' class (and every class containing it partial)"),
        T(TraceNoForward, "Traced module has no forward",
            "'{0}' is compiled by tracing but declares or inherits no 'forward' method whose parameters are tensors"),
        T(TraceUnsupported, "Construct not supported in a traced forward",
            "'{0}' cannot be traced: {1} (module {2})"),
    }.ToDictionary(d => d.Id);

    /// <summary>The scripting descriptors (documented in docs/scripting-subset.md).</summary>
    public static IEnumerable<DiagnosticDescriptor> Scripting => ScriptDescriptors.Values;

    /// <summary>The tracing descriptors (documented in docs/tracing.md).</summary>
    public static IEnumerable<DiagnosticDescriptor> Tracing => TraceDescriptors.Values;

    public static DiagnosticDescriptor ById(string id) =>
        ScriptDescriptors.TryGetValue(id, out var d) ? d : TraceDescriptors[id];

    private static DiagnosticDescriptor D(string id, string title) =>
        new(id, title, "{0}", ScriptCategory, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink);

    private static DiagnosticDescriptor T(string id, string title, string format) =>
        new(id, title, format, TraceCategory, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
