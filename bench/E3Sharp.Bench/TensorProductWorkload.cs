using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Bench;

/// <summary>The benchmarked workload: e3nn's B6 FullyConnectedTensorProduct, batch 4096, float32.</summary>
public sealed class TensorProductWorkload : IDisposable
{
    public const string Irreps1 = "32x0e+32x1o+32x2e";
    public const string Irreps2 = "0e+1o+2e";
    public const string IrrepsOut = "32x0e+32x1o+32x2e";
    public const int Batch = 4096;

    private readonly DisposeScope _scope = NewDisposeScope();

    public TensorProductWorkload()
    {
        manual_seed(0);
        Tp = new FullyConnectedTensorProduct(Irreps1, Irreps2, IrrepsOut, dtype: ScalarType.Float32);
        X = Tp.IrrepsIn1.Randn(new long[] { Batch, -1 }, ScalarType.Float32, null);
        Y = Tp.IrrepsIn2.Randn(new long[] { Batch, -1 }, ScalarType.Float32, null);
        XGrad = X.detach().clone().requires_grad_(true);
    }

    public FullyConnectedTensorProduct Tp { get; }
    public Tensor X { get; }
    public Tensor Y { get; }
    public Tensor XGrad { get; }

    /// <summary>One forward call (no autograd graph).</summary>
    public void Forward()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tp.forward(X, Y);
    }

    /// <summary>Forward and backward of sum(out²) with respect to the input and the weights.</summary>
    public void ForwardBackward()
    {
        using var scope = NewDisposeScope();
        Tp.forward(XGrad, Y).pow(2).sum().backward();
        XGrad.grad?.zero_();
        Tp.Weight.grad?.zero_();
    }

    /// <summary>
    /// Useful floating-point operations of one forward call, independent of how it is evaluated: for each path
    /// <c>2·u·v·nnz(C)</c> to form <c>Σ_ij C_ijk x1_ui x2_vj</c> with the sparse Clebsch–Gordan block, plus
    /// <c>2·u·v·w·K</c> to mix it with the weights; times the batch. (Backward is counted as twice the forward.)
    /// </summary>
    public double ForwardFlops()
    {
        double perSample = 0;
        foreach (var ins in Tp.Instructions)
        {
            var (u, ir1) = Tp.IrrepsIn1[ins.IIn1];
            var (v, ir2) = Tp.IrrepsIn2[ins.IIn2];
            var (w, irO) = Tp.IrrepsOut[ins.IOut];
            using var c = E3Sharp.O3.Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
            var nnz = c.abs().gt(1e-12).sum().item<long>();
            perSample += 2.0 * u * v * nnz + 2.0 * u * v * w * irO.Dim;
        }
        return perSample * Batch;
    }

    /// <summary>Bytes a forward call must at least move: inputs, weights and output (float32).</summary>
    public double ForwardBytes() =>
        4.0 * ((double)Batch * (Tp.IrrepsIn1.Dim + Tp.IrrepsIn2.Dim + Tp.IrrepsOut.Dim) + Tp.WeightNumel);

    public void Dispose() => _scope.Dispose();
}
