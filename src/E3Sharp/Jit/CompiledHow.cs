namespace E3Sharp.Jit;

/// <summary>How a module of a compiled tree was turned into TorchScript (shown by <c>TorchScript.Describe</c>).</summary>
internal enum CompiledHow
{
    /// <summary>Recorded by running its forward on example inputs.</summary>
    Traced,

    /// <summary>Translated from its C# source by the scripting front end.</summary>
    Scripted,

    /// <summary>Already a TorchScript module (for example loaded from a file) and imported as it was.</summary>
    Loaded,
}
