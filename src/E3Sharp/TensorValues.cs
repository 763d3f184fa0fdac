using TorchSharp;

namespace E3Sharp;

/// <summary>
/// A tensor's single value read through a Scalar held until it is read. TorchSharp's <c>ToDouble()</c> reads it through
/// a Scalar that nothing references during the native call, so a GC on another thread may finalize it meanwhile.
/// </summary>
internal static class TensorValues
{
    /// <summary>The single value of <paramref name="tensor"/> as a double.</summary>
    public static double ReadDouble(this torch.Tensor tensor)
    {
        using var value = tensor.ToScalar();
        return value.ToDouble();
    }
}
