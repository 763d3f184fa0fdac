using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators;

/// <summary>
/// Entry point of the E3Sharp source generator. Scripting and tracing pipelines register here.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class E3SharpGenerator : IIncrementalGenerator
{
    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
    }
}
