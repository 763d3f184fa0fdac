namespace E3Sharp.Tests;

/// <summary>
/// Tests that compare numbers drawn from TorchSharp's global generator after the same <c>manual_seed</c> (for
/// example eager and compiled dropout masks) run in this collection: xunit runs it on its own, so no other test
/// draws from the generator in between.
/// </summary>
[CollectionDefinition(nameof(GlobalGeneratorCollection), DisableParallelization = true)]
public sealed class GlobalGeneratorCollection
{
}
