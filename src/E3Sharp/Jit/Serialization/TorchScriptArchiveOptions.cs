using E3Sharp.Jit.Ir;

namespace E3Sharp.Jit.Serialization;

/// <summary>Options of <see cref="TorchScriptArchive.Write"/>.</summary>
internal sealed class TorchScriptArchiveOptions
{
    /// <summary>The top-level folder of every zip entry (LibTorch uses the file's base name; any identifier works).</summary>
    public string RootFolder { get; init; } = "archive";

    /// <summary>Extra files stored as <c>extra/&lt;name&gt;</c> (what <c>torch.jit.save(..., _extra_files=...)</c> writes).</summary>
    public IReadOnlyDictionary<string, byte[]>? ExtraFiles { get; init; }

    /// <summary>The op table calls are checked against (default <see cref="OpTable.Default"/>).</summary>
    public OpTable? Ops { get; init; }
}
