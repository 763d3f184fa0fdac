namespace E3Sharp.Tests;

/// <summary>
/// Tests that change TorchSharp's process-wide default dtype (torch.set_default_dtype), even temporarily, run in
/// this collection: xunit runs it on its own, after the parallel collections, so no other test sees the change.
/// </summary>
[CollectionDefinition(nameof(DefaultDtypeCollection), DisableParallelization = true)]
public sealed class DefaultDtypeCollection
{
}
