using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Scripting;

/// <summary>
/// The scripting diagnostics E3S001–E3S049 (errors). Each message says what is not supported and what to write
/// instead; the full text is computed by the translator and passed as the only format argument.
/// </summary>
internal static class ScriptDiagnostics
{
    private const string Category = "E3Sharp.Scripting";
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

    private static readonly Dictionary<string, DiagnosticDescriptor> Descriptors = new[]
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

    public static IEnumerable<DiagnosticDescriptor> All => Descriptors.Values;

    public static DiagnosticDescriptor ById(string id) => Descriptors[id];

    private static DiagnosticDescriptor D(string id, string title) =>
        new(id, title, "{0}", Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink);
}
