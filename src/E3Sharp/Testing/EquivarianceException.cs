namespace E3Sharp.Testing;

/// <summary>Thrown by <see cref="Assertions.AssertEquivariant(TorchSharp.torch.nn.Module, Func{TorchSharp.torch.Tensor[]}?, IReadOnlyList{E3Sharp.O3.Irreps?}?, IReadOnlyList{E3Sharp.O3.Irreps?}?, double?, bool, int, TorchSharp.torch.Generator?)"/>
/// when an equivariance error exceeds the tolerance.</summary>
public sealed class EquivarianceException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">The message (it lists every measured error).</param>
    /// <param name="errors">The measured errors.</param>
    public EquivarianceException(string message, IReadOnlyList<EquivarianceError> errors) : base(message)
    {
        Errors = errors;
    }

    /// <summary>The measured errors, one per transformation kind.</summary>
    public IReadOnlyList<EquivarianceError> Errors { get; }
}
