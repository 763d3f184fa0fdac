using E3Sharp.Generators.Diagnostics;

namespace E3Sharp.Generators.Tracing;

/// <summary>
/// The tracing twins of one class, the incremental pipeline's cached value (plain values only): the usings the copied
/// code needs, the generated members (registration and the twin methods, rewritten copies of the user's methods
/// with <c>#line</c> mappings), or the reason the class cannot be traced, and the diagnostics to report.
/// </summary>
internal sealed record TwinModel(
    string HintName,
    ClassShape Class,
    EquatableArray<string> Usings,
    EquatableArray<string> Members,
    string? UntraceableReason,
    EquatableArray<DiagInfo> Diagnostics)
{
    /// <summary>A model that only reports diagnostics.</summary>
    public static TwinModel Errors(string hintName, ClassShape cls, params DiagInfo[] diagnostics) =>
        new(hintName, cls, default, default, null, new EquatableArray<DiagInfo>(diagnostics));
}
