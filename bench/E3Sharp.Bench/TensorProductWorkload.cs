using E3Sharp.Jit;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Bench;

/// <summary>The implementations compared by the bench.</summary>
public enum Contender
{
    /// <summary>e3nn 0.5.6's own compiled module (the anchor TorchScript file), run by LibTorch through TorchSharp.</summary>
    E3nnCompiled,

    /// <summary>E3Sharp's C# module, eager.</summary>
    E3SharpEager,

    /// <summary>E3Sharp's module compiled with <see cref="TorchScript.Compile(nn.Module, int, bool)"/>.</summary>
    E3SharpCompiled,

    /// <summary>The GEMM floor: the weight mixing as one matrix product <c>[B·Σk, u] × [u, w]</c>.</summary>
    GemmFloor,
}

/// <summary>
/// The benchmarked workload: e3nn's FullyConnectedTensorProduct("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e")
/// at one batch size and dtype, as E3Sharp eager, E3Sharp compiled and (when the anchor file is given) e3nn's compiled
/// module, all with the same weights (the anchor's) and the same inputs.
/// </summary>
public sealed class TensorProductWorkload : IDisposable
{
    public const string Irreps1 = "32x0e+32x1o+32x2e";
    public const string Irreps2 = "0e+1o+2e";
    public const string IrrepsOut = "32x0e+32x1o+32x2e";

    private readonly DisposeScope _scope = NewDisposeScope();
    private readonly Tensor _floorA;
    private readonly Tensor _floorW;
    private readonly Tensor _floorG;

    /// <summary>Builds the modules and inputs.</summary>
    /// <param name="batch">Batch size.</param>
    /// <param name="dtype">Float32 or Float64.</param>
    /// <param name="anchorPath">The e3nn anchor file, or null to leave e3nn out.</param>
    /// <param name="compile">Whether to compile E3Sharp's module.</param>
    public TensorProductWorkload(int batch, ScalarType dtype = ScalarType.Float32, string? anchorPath = null,
        bool compile = true)
    {
        Batch = batch;
        DType = dtype;
        manual_seed(0);
        Tp = new FullyConnectedTensorProduct(Irreps1, Irreps2, IrrepsOut, dtype: dtype);
        if (anchorPath is not null)
        {
            Anchor = torch.jit.load<Tensor, Tensor, Tensor>(anchorPath);
            if (dtype != ScalarType.Float32) Anchor.to(dtype);
            AnchorWeight = Anchor.named_parameters().Single(p => p.name == "weight").parameter;
            using (no_grad()) Tp.Weight.copy_(AnchorWeight);
        }
        if (compile) Compiled = TorchScript.Compile(Tp);

        X = Tp.IrrepsIn1.Randn(new long[] { batch, -1 }, dtype, null);
        Y = Tp.IrrepsIn2.Randn(new long[] { batch, -1 }, dtype, null);
        XGrad = X.detach().clone().requires_grad_(true);
        YGrad = Y.detach().clone().requires_grad_(true);

        // Weight mixing as one GEMM: every path's [u] -> [w] product, for each output component: rows B · Σ v·dim(out).
        long rows = Tp.Instructions.Sum(i => (long)Tp.IrrepsIn2[i.IIn2].Mul * Tp.IrrepsOut[i.IOut].Ir.Dim);
        FloorRows = batch * rows;
        _floorA = randn(new long[] { FloorRows, 32 }, dtype);
        _floorW = randn(new long[] { 32, 32 }, dtype);
        _floorG = randn(new long[] { FloorRows, 32 }, dtype);
    }

    public int Batch { get; }
    public ScalarType DType { get; }
    public FullyConnectedTensorProduct Tp { get; }
    public torch.jit.ScriptModule<Tensor, Tensor, Tensor>? Compiled { get; }
    public torch.jit.ScriptModule<Tensor, Tensor, Tensor>? Anchor { get; }
    public Tensor? AnchorWeight { get; }
    public Tensor X { get; }
    public Tensor Y { get; }
    public Tensor XGrad { get; }
    public Tensor YGrad { get; }

    /// <summary>Rows of the GEMM floor's matrix product.</summary>
    public long FloorRows { get; }

    /// <summary>Whether <paramref name="c"/> can run here.</summary>
    public bool Has(Contender c) => c switch
    {
        Contender.E3nnCompiled => Anchor is not null,
        Contender.E3SharpCompiled => Compiled is not null,
        _ => true,
    };

    private Tensor Run(Contender c, Tensor x, Tensor y) => c switch
    {
        Contender.E3nnCompiled => Anchor!.forward(x, y),
        Contender.E3SharpEager => Tp.forward(x, y),
        Contender.E3SharpCompiled => Compiled!.forward(x, y),
        _ => throw new ArgumentOutOfRangeException(nameof(c)),
    };

    private Tensor WeightOf(Contender c) => c switch
    {
        Contender.E3nnCompiled => AnchorWeight!,
        Contender.E3SharpEager => Tp.Weight,
        _ => Compiled!.named_parameters().Single(p => p.name == "weight").parameter,
    };

    /// <summary>One forward call (no autograd graph).</summary>
    public void Forward(Contender c)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (c == Contender.GemmFloor)
        {
            _floorA.mm(_floorW);
            return;
        }
        Run(c, X, Y);
    }

    /// <summary>Forward, then the gradients of sum(out²) with respect to both inputs and the weights.</summary>
    public void ForwardBackward(Contender c)
    {
        using var scope = NewDisposeScope();
        if (c == Contender.GemmFloor)
        {
            // The floor's forward GEMM and its two backward GEMMs (gradients of the input and of the weights).
            _floorA.mm(_floorW);
            _floorG.mm(_floorW.t());
            _floorA.t().mm(_floorG);
            return;
        }
        var o = Run(c, XGrad, YGrad);
        torch.autograd.grad(new[] { o.pow(2).sum() }, new[] { XGrad, YGrad, WeightOf(c) });
    }

    /// <summary>Largest absolute difference between the outputs of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public double MaxDifference(Contender a, Contender b)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return (Run(a, X, Y) - Run(b, X, Y)).abs().max().to(ScalarType.Float64).item<double>();
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

    /// <summary>Bytes a forward call must at least move: inputs, weights and output.</summary>
    public double ForwardBytes()
    {
        var size = DType == ScalarType.Float64 ? 8.0 : 4.0;
        return size * ((double)Batch * (Tp.IrrepsIn1.Dim + Tp.IrrepsIn2.Dim + Tp.IrrepsOut.Dim) + Tp.WeightNumel);
    }

    public void Dispose()
    {
        Compiled?.Dispose();
        Anchor?.Dispose();
        Tp.Dispose();
        _scope.Dispose();
    }
}
