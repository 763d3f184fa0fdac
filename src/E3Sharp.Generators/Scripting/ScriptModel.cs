using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Scripting;

/// <summary>One TorchScript method of a scripted class: its name and the C# statements that build it.</summary>
internal sealed record ScriptMethodModel(string TsName, string BuilderCode)
{
    /// <summary>The generated local holding the method's builder.</summary>
    public string BuilderVar => BuilderVarOf(TsName);

    public static string BuilderVarOf(string tsName) => "__m_" + tsName;
}

/// <summary>
/// The translation of one module class, the incremental pipeline's cached value: plain values only, so that an edit
/// that leaves the translation as it was is not emitted again. Either methods (a translated class), an unscriptable
/// reason (a class without compile mode outside the subset), or neither (nothing to emit; diagnostics only).
/// </summary>
internal sealed record ScriptClassModel(
    string HintName,
    ClassShape Class,
    EquatableArray<string> Usings,
    EquatableArray<string> NamespaceUsings,
    EquatableArray<ScriptMethodModel> Methods,
    string? UnscriptableReason,
    EquatableArray<DiagInfo> Diagnostics);
