using System.ComponentModel;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// What TorchSharp lifetime idioms (<c>torch.NewDisposeScope()</c>, <c>torch.no_grad()</c>,
/// <c>torch.enable_grad()</c>) become inside a tracing twin: nothing. The tracer owns the lifetime of every tensor it
/// records and runs the whole trace without autograd.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class NoOpScope : IDisposable
{
    private NoOpScope()
    {
    }

    /// <summary>The shared instance.</summary>
    public static NoOpScope Instance { get; } = new();

    /// <summary>Does nothing.</summary>
    public void Dispose()
    {
    }
}
