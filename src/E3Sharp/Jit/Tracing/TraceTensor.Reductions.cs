using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

// Reductions and linear algebra of the tracing twin (see TraceTensor.Ops.cs for the conventions).
public sealed partial class TraceTensor
{
    // ---------------------------------------------------------------- reductions

    /// <summary>Sum of all elements.</summary>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor sum(torch.ScalarType? type = null) => MK("sum", r => r[this].sum(type), [], DType(type));

    /// <summary>Sum over one dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor sum(long dim, bool keepdim = false, torch.ScalarType? type = null) =>
        MK("sum", r => r[this].sum(dim, keepdim, type), [new[] { dim }, keepdim], DType(type));

    /// <summary>Sum over dimensions.</summary>
    /// <param name="dim">The dimensions.</param>
    /// <param name="keepdim">Whether to keep them with size 1.</param>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor sum(long[] dim, bool keepdim = false, torch.ScalarType? type = null) =>
        MK("sum", r => r[this].sum(dim, keepdim, type), [dim, keepdim], DType(type));

    /// <summary>Mean of all elements.</summary>
    public TraceTensor mean() => M("mean", r => r[this].mean());

    /// <summary>Mean over dimensions.</summary>
    /// <param name="dimensions">The dimensions.</param>
    /// <param name="keepdim">Whether to keep them with size 1.</param>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor mean(long[] dimensions, bool keepdim = false, torch.ScalarType? type = null) =>
        MK("mean", r => r[this].mean(dimensions, keepdim, type), [dimensions, keepdim], DType(type));

    /// <summary>Product of all elements.</summary>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor prod(torch.ScalarType? type = null) => MK("prod", r => r[this].prod(type), [], DType(type));

    /// <summary>Product over one dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor prod(long dim, bool keepdim = false, torch.ScalarType? type = null) =>
        MK("prod", r => r[this].prod(dim, keepdim, type), [dim, keepdim], DType(type));

    /// <summary>Maximum over dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    public TraceTensor amax(params long[] dims) => M("amax", r => r[this].amax(dims), dims);

    /// <summary>Maximum over dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    /// <param name="keepdim">Whether to keep them with size 1.</param>
    public TraceTensor amax(long[] dims, bool keepdim) => M("amax", r => r[this].amax(dims, keepdim), dims, keepdim);

    /// <summary>Minimum over dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    public TraceTensor amin(params long[] dims) => M("amin", r => r[this].amin(dims), dims);

    /// <summary>Minimum over dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    /// <param name="keepdim">Whether to keep them with size 1.</param>
    public TraceTensor amin(long[] dims, bool keepdim) => M("amin", r => r[this].amin(dims, keepdim), dims, keepdim);

    /// <summary>Maximum of all elements.</summary>
    public TraceTensor max() => M("max", r => r[this].max());

    /// <summary>Elementwise maximum.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor max(TraceTensor other) => M("max", r => r[this].max(r[other]), other);

    /// <summary>Maximum over a dimension: values and indices.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public (TraceTensor values, TraceTensor indexes) max(long dim, bool keepdim = false) =>
        Recorder.CallPair("max", true, [this, dim, keepdim], r => r[this].max(dim, keepdim));

    /// <summary>Minimum of all elements.</summary>
    public TraceTensor min() => M("min", r => r[this].min());

    /// <summary>Elementwise minimum.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor min(TraceTensor other) => M("min", r => r[this].min(r[other]), other);

    /// <summary>Minimum over a dimension: values and indices.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public (TraceTensor values, TraceTensor indexes) min(long dim, bool keepdim = false) =>
        Recorder.CallPair("min", true, [this, dim, keepdim], r => r[this].min(dim, keepdim));

    /// <summary>Index of the maximum of all elements.</summary>
    public TraceTensor argmax() => M("argmax", r => r[this].argmax());

    /// <summary>Index of the maximum over a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public TraceTensor argmax(long dim, bool keepdim = false) => M("argmax", r => r[this].argmax(dim, keepdim), dim, keepdim);

    /// <summary>Index of the minimum of all elements.</summary>
    public TraceTensor argmin() => M("argmin", r => r[this].argmin());

    /// <summary>Index of the minimum over a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public TraceTensor argmin(long dim, bool keepdim = false) => M("argmin", r => r[this].argmin(dim, keepdim), dim, keepdim);

    /// <summary>Whether any element is true.</summary>
    public TraceTensor any() => M("any", r => r[this].any());

    /// <summary>Whether any element is true along a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public TraceTensor any(long dim, bool keepdim = false) => M("any", r => r[this].any(dim, keepdim), dim, keepdim);

    /// <summary>Whether all elements are true.</summary>
    public TraceTensor all() => M("all", r => r[this].all());

    /// <summary>Whether all elements are true along a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public TraceTensor all(long dim, bool keepdim = false) => M("all", r => r[this].all(dim, keepdim), dim, keepdim);

    /// <summary>p-norm of all elements.</summary>
    /// <param name="p">The order.</param>
    public TraceTensor norm(float p = 2) => M("norm", r => r[this].norm(p), (double)p);

    /// <summary>p-norm over a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    /// <param name="p">The order.</param>
    public TraceTensor norm(int dim, bool keepdim = false, float p = 2) =>
        M("norm", r => r[this].norm(dim, keepdim, p), (double)p, new long[] { dim }, keepdim);

    /// <summary>Cumulative sum.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="type">Result dtype or null.</param>
    public TraceTensor cumsum(long dim, torch.ScalarType? type = null) =>
        MK("cumsum", r => r[this].cumsum(dim, type), [dim], DType(type));

    /// <summary>log(sum(exp)) over a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it with size 1.</param>
    public TraceTensor logsumexp(long dim, bool keepdim = false) =>
        M("logsumexp", r => r[this].logsumexp(dim, keepdim), new long[] { dim }, keepdim);

    /// <summary>Softmax over a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="dtype">Result dtype or null.</param>
    public TraceTensor softmax(long dim, torch.ScalarType? dtype = null) =>
        M("softmax", r => r[this].softmax(dim, dtype), dim, dtype);

    /// <summary>Log-softmax over a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="dtype">Result dtype or null.</param>
    public TraceTensor log_softmax(long dim, torch.ScalarType? dtype = null) =>
        M("log_softmax", r => r[this].log_softmax(dim, dtype), dim, dtype);

    // ---------------------------------------------------------------- linear algebra

    /// <summary>Matrix product (broadcasting).</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor matmul(TraceTensor target) => M("matmul", r => CheckedMatmul(r[this], r[target]), target);

    /// <summary>The twin of <see cref="TensorExtensions.checked_matmul"/>: <see cref="matmul"/>, which checks too.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor checked_matmul(TraceTensor target) => matmul(target);

    // TorchSharp's matmul lets LibTorch's shape error escape as a C++ exception, which ends the process; the shapes
    // are checked here first (the shadow run changes free dimensions, so a trace can meet shapes the user never did).
    private static torch.Tensor CheckedMatmul(torch.Tensor a, torch.Tensor b)
    {
        if (TensorExtensions.MatmulProblem(a, b) is { } problem)
        {
            throw new ArgumentException(
                $"matmul: shapes [{string.Join(", ", a.shape)}] and [{string.Join(", ", b.shape)}] cannot be multiplied ({problem})");
        }

        return a.matmul(b);
    }

    /// <summary>Matrix product of 2-D tensors.</summary>
    /// <param name="target">The other matrix.</param>
    public TraceTensor mm(TraceTensor target) => M("mm", r => r[this].mm(r[target]), target);

    /// <summary>Batched matrix product.</summary>
    /// <param name="target">The other batch of matrices.</param>
    public TraceTensor bmm(TraceTensor target) => M("bmm", r => r[this].bmm(r[target]), target);

    /// <summary>Matrix-vector product.</summary>
    /// <param name="target">The vector.</param>
    public TraceTensor mv(TraceTensor target) => M("mv", r => r[this].mv(r[target]), target);

    /// <summary>Dot product of 1-D tensors.</summary>
    /// <param name="target">The other vector.</param>
    public TraceTensor dot(TraceTensor target) => M("dot", r => r[this].dot(r[target]), target);

    /// <summary>Outer product.</summary>
    /// <param name="vec2">The other vector.</param>
    public TraceTensor outer(TraceTensor vec2) => M("outer", r => r[this].outer(r[vec2]), vec2);
}
