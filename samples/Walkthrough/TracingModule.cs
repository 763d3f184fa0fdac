using E3Sharp.Jit;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Samples.Walkthrough;

/// <summary>
/// The guide's module with custom tracing inputs: its second argument is an int64 index tensor, which no irreps
/// describe, so it makes its own example inputs (e3nn's <c>_make_tracing_inputs</c>).
/// </summary>
[CompileMode(JitMode.Trace)]
public partial class TracingModule : nn.Module<Tensor, Tensor, Tensor>, ITracingInputs
{
    private static readonly Random Random = new(0);

    /// <summary>Creates the module.</summary>
    public TracingModule() : base(nameof(TracingModule))
    {
    }

    /// <inheritdoc/>
    public override Tensor forward(Tensor x, Tensor indexes) => x[indexes].sum();

    /// <summary>n inputs: a float tensor of shape (5, 1..2) and the indexes 0, 1, 2.</summary>
    /// <param name="n">How many.</param>
    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        using var count = 3.ToScalar();
        return Enumerable.Range(0, n).Select(_ => new[] { randn(5, Random.Next(1, 3)), arange(count) }).ToArray();
    }

    /// <summary>The last dimension of x varies between inputs: the traced code must not pin it.</summary>
    public bool FixedLastDimension => false;
}
