using E3Sharp.Jit;

namespace E3Sharp.O3.Modules;

public partial class TensorProduct
{
    /// <summary>Frees the module's tensors, the derived constants (non-persistent buffers) included.</summary>
    /// <param name="disposing">Whether called from <c>Dispose()</c>.</param>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            TorchSharpInternals.DisposeNonPersistentBuffers(this);
        }

        base.Dispose(disposing);
    }
}
