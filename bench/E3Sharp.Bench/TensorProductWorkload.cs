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
    /// Floating-point operations of one forward call as evaluated (per sample, per uvw path p into output o from input
    /// group g: 2·v·J·(I·K) for x2·CG, 2·u·I·(V·K) per group for x1·A, 2·K·ΣuV·w per output for the weight GEMM),
    /// times the batch. The backward pass is counted as twice the forward.
    /// </summary>
    public double ForwardFlops()
    {
        double perSample = 0;
        foreach (var o in Enumerable.Range(0, Tp.IrrepsOut.Length))
        {
            var (w, irO) = Tp.IrrepsOut[o];
            var k = irO.Dim;
            double kTotal = 0;
            foreach (var group in Tp.Instructions.Where(i => i.IOut == o).GroupBy(i => i.IIn1))
            {
                var (u, ir1) = Tp.IrrepsIn1[group.Key];
                double v = 0;
                foreach (var ins in group)
                {
                    var (m2, ir2) = Tp.IrrepsIn2[ins.IIn2];
                    perSample += 2.0 * m2 * ir2.Dim * ir1.Dim * k;
                    v += m2;
                }
                perSample += 2.0 * u * ir1.Dim * v * k;
                kTotal += u * v;
            }
            perSample += 2.0 * k * kTotal * w;
        }
        return perSample * Batch;
    }

    public void Dispose() => _scope.Dispose();
}
