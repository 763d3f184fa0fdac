using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

// Tensor methods of the tracing twin. Each mirrors the TorchSharp method of the same name and signature and records
// the aten operator with the same meaning (checked against OpTable.Default when recorded).
public sealed partial class TraceTensor
{
    private TraceTensor M(string op, Func<Run, torch.Tensor> exec, params object?[] rest)
    {
        var args = new object?[rest.Length + 1];
        args[0] = this;
        rest.CopyTo(args, 1);
        return Recorder.Call(op, true, args, exec);
    }

    private TraceTensor MK(string op, Func<Run, torch.Tensor> exec, object?[] rest, params Kw[] kw)
    {
        var args = new object?[rest.Length + 1];
        args[0] = this;
        rest.CopyTo(args, 1);
        return Recorder.Call(op, true, args, exec, kw);
    }

    private TraceTensor F(string op, Func<Run, torch.Tensor> exec, params object?[] rest)
    {
        var args = new object?[rest.Length + 1];
        args[0] = this;
        rest.CopyTo(args, 1);
        return Recorder.Call(op, false, args, exec);
    }

    private static Kw[] DType(torch.ScalarType? type) => type is { } t ? [new Kw("dtype", t)] : [];

    // ---------------------------------------------------------------- arithmetic

    /// <summary>Elementwise sum.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor add(TraceTensor target) => M("add", r => r[this].add(r[target]), target);

    /// <summary>Elementwise <c>this + alpha * target</c>.</summary>
    /// <param name="target">The other tensor.</param>
    /// <param name="alpha">The factor.</param>
    public TraceTensor add(TraceTensor target, Scalar alpha) =>
        MK("add", r => r[this].add(r[target], alpha), [target], new Kw("alpha", alpha));

    /// <summary>Adds a scalar.</summary>
    /// <param name="scalar">The scalar.</param>
    public TraceTensor add(Scalar scalar) => M("add", r => r[this].add(scalar), scalar);

    /// <summary>Adds <c>alpha * scalar</c>.</summary>
    /// <param name="scalar">The scalar.</param>
    /// <param name="alpha">The factor.</param>
    public TraceTensor add(Scalar scalar, Scalar alpha) => M("add", r => r[this].add(scalar, alpha), scalar, alpha);

    /// <summary>Elementwise difference.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor sub(TraceTensor target) => M("sub", r => r[this].sub(r[target]), target);

    /// <summary>Subtracts a scalar.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor sub(Scalar target) => M("sub", r => r[this].sub(target), target);

    /// <summary>Elementwise product.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor mul(TraceTensor target) => M("mul", r => r[this].mul(r[target]), target);

    /// <summary>Elementwise <c>this + value · tensor1 · tensor2</c> (broadcasting), one pass.</summary>
    /// <param name="tensor1">The first factor.</param>
    /// <param name="tensor2">The second factor.</param>
    /// <param name="value">The scale of the product.</param>
    public TraceTensor addcmul(TraceTensor tensor1, TraceTensor tensor2, Scalar value) =>
        MK("addcmul", r => r[this].addcmul(r[tensor1], r[tensor2], value), [tensor1, tensor2], new Kw("value", value));

    /// <summary>Multiplies by a scalar.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor mul(Scalar target) => M("mul", r => r[this].mul(target), target);

    /// <summary>Elementwise true division.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor div(TraceTensor target) => M("div", r => r[this].div(r[target]), target);

    /// <summary>Divides by a scalar.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor div(Scalar target) => M("div", r => r[this].div(target), target);

    /// <summary>Elementwise power.</summary>
    /// <param name="exponent">The exponents.</param>
    public TraceTensor pow(TraceTensor exponent) => M("pow", r => r[this].pow(r[exponent]), exponent);

    /// <summary>Power by a scalar.</summary>
    /// <param name="exponent">The exponent.</param>
    public TraceTensor pow(Scalar exponent) => M("pow", r => r[this].pow(exponent), exponent);

    /// <summary>Python-style remainder.</summary>
    /// <param name="target">The divisor.</param>
    public TraceTensor remainder(TraceTensor target) => M("remainder", r => r[this].remainder(r[target]), target);

    /// <summary>Python-style remainder.</summary>
    /// <param name="target">The divisor.</param>
    public TraceTensor remainder(Scalar target) => M("remainder", r => r[this].remainder(target), target);

    /// <summary>Elementwise maximum.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor maximum(TraceTensor other) => M("maximum", r => r[this].maximum(r[other]), other);

    /// <summary>Elementwise minimum.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor minimum(TraceTensor other) => M("minimum", r => r[this].minimum(r[other]), other);

    /// <summary>Elementwise <c>atan2(this, other)</c>.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor atan2(TraceTensor other) => M("atan2", r => r[this].atan2(r[other]), other);

    // ---------------------------------------------------------------- elementwise functions

    /// <summary>Negation.</summary>
    public TraceTensor neg() => M("neg", r => r[this].neg());

    /// <summary>Absolute value.</summary>
    public TraceTensor abs() => M("abs", r => r[this].abs());

    /// <summary>Square root.</summary>
    public TraceTensor sqrt() => M("sqrt", r => r[this].sqrt());

    /// <summary>Reciprocal square root.</summary>
    public TraceTensor rsqrt() => M("rsqrt", r => r[this].rsqrt());

    /// <summary>Square.</summary>
    public TraceTensor square() => M("square", r => r[this].square());

    /// <summary>Reciprocal.</summary>
    public TraceTensor reciprocal() => M("reciprocal", r => r[this].reciprocal());

    /// <summary>Exponential.</summary>
    public TraceTensor exp() => M("exp", r => r[this].exp());

    /// <summary><c>exp(x) - 1</c>.</summary>
    public TraceTensor expm1() => M("expm1", r => r[this].expm1());

    /// <summary>Natural logarithm.</summary>
    public TraceTensor log() => M("log", r => r[this].log());

    /// <summary><c>log(1 + x)</c>.</summary>
    public TraceTensor log1p() => M("log1p", r => r[this].log1p());

    /// <summary>Rectified linear unit.</summary>
    public TraceTensor relu() => M("relu", r => r[this].relu());

    /// <summary>Logistic sigmoid.</summary>
    public TraceTensor sigmoid() => M("sigmoid", r => r[this].sigmoid());

    /// <summary>Hyperbolic tangent.</summary>
    public TraceTensor tanh() => M("tanh", r => r[this].tanh());

    /// <summary>Sine.</summary>
    public TraceTensor sin() => M("sin", r => r[this].sin());

    /// <summary>Cosine.</summary>
    public TraceTensor cos() => M("cos", r => r[this].cos());

    /// <summary>Tangent.</summary>
    public TraceTensor tan() => M("tan", r => r[this].tan());

    /// <summary>Arcsine.</summary>
    public TraceTensor asin() => M("asin", r => r[this].asin());

    /// <summary>Arccosine.</summary>
    public TraceTensor acos() => M("acos", r => r[this].acos());

    /// <summary>Arctangent.</summary>
    public TraceTensor atan() => M("atan", r => r[this].atan());

    /// <summary>Hyperbolic sine.</summary>
    public TraceTensor sinh() => M("sinh", r => r[this].sinh());

    /// <summary>Hyperbolic cosine.</summary>
    public TraceTensor cosh() => M("cosh", r => r[this].cosh());

    /// <summary>Error function.</summary>
    public TraceTensor erf() => M("erf", r => r[this].erf());

    /// <summary>Sign.</summary>
    public TraceTensor sign() => M("sign", r => r[this].sign());

    /// <summary>Floor.</summary>
    public TraceTensor floor() => M("floor", r => r[this].floor());

    /// <summary>Ceiling.</summary>
    public TraceTensor ceil() => M("ceil", r => r[this].ceil());

    /// <summary>Rounding to the nearest integer.</summary>
    public TraceTensor round() => M("round", r => r[this].round());

    /// <summary>SiLU (<c>x * sigmoid(x)</c>).</summary>
    public TraceTensor silu() => F("silu", r => r[this].silu());

    /// <summary>GELU (exact).</summary>
    public TraceTensor gelu() => F("gelu", r => r[this].gelu());

    /// <summary>Softplus.</summary>
    /// <param name="beta">Beta.</param>
    /// <param name="threshold">Threshold above which the function is linear.</param>
    public TraceTensor softplus(double beta = 1, double threshold = 20) =>
        F("softplus", r => r[this].softplus(beta, threshold), beta, threshold);

    /// <summary>Clamps to [min, max].</summary>
    /// <param name="min">Lower bound or null.</param>
    /// <param name="max">Upper bound or null.</param>
    public TraceTensor clamp(Scalar? min = null, Scalar? max = null) =>
        M("clamp", r => r[this].clamp(min, max), min, max);

    /// <summary>Clamps from below.</summary>
    /// <param name="min">Lower bound.</param>
    public TraceTensor clamp_min(Scalar min) => M("clamp_min", r => r[this].clamp_min(min), min);

    /// <summary>Clamps from above.</summary>
    /// <param name="max">Upper bound.</param>
    public TraceTensor clamp_max(Scalar max) => M("clamp_max", r => r[this].clamp_max(max), max);

    // ---------------------------------------------------------------- comparisons and logic

    /// <summary>Elementwise <c>==</c>.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor eq(TraceTensor target) => M("eq", r => r[this].eq(r[target]), target);

    /// <summary>Elementwise <c>==</c>.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor eq(Scalar target) => M("eq", r => r[this].eq(target), target);

    /// <summary>Elementwise <c>!=</c>.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor ne(TraceTensor target) => M("ne", r => r[this].ne(r[target]), target);

    /// <summary>Elementwise <c>!=</c>.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor ne(Scalar target) => M("ne", r => r[this].ne(target), target);

    /// <summary>Elementwise <c>&lt;</c>.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor lt(TraceTensor target) => M("lt", r => r[this].lt(r[target]), target);

    /// <summary>Elementwise <c>&lt;</c>.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor lt(Scalar target) => M("lt", r => r[this].lt(target), target);

    /// <summary>Elementwise <c>&lt;=</c>.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor le(TraceTensor target) => M("le", r => r[this].le(r[target]), target);

    /// <summary>Elementwise <c>&lt;=</c>.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor le(Scalar target) => M("le", r => r[this].le(target), target);

    /// <summary>Elementwise <c>&gt;</c>.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor gt(TraceTensor target) => M("gt", r => r[this].gt(r[target]), target);

    /// <summary>Elementwise <c>&gt;</c>.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor gt(Scalar target) => M("gt", r => r[this].gt(target), target);

    /// <summary>Elementwise <c>&gt;=</c>.</summary>
    /// <param name="target">The other tensor.</param>
    public TraceTensor ge(TraceTensor target) => M("ge", r => r[this].ge(r[target]), target);

    /// <summary>Elementwise <c>&gt;=</c>.</summary>
    /// <param name="target">The scalar.</param>
    public TraceTensor ge(Scalar target) => M("ge", r => r[this].ge(target), target);

    /// <summary>Logical not.</summary>
    public TraceTensor logical_not() => M("logical_not", r => r[this].logical_not());

    /// <summary>Logical and.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor logical_and(TraceTensor other) => M("logical_and", r => r[this].logical_and(r[other]), other);

    /// <summary>Logical or.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor logical_or(TraceTensor other) => M("logical_or", r => r[this].logical_or(r[other]), other);

    /// <summary>Logical xor.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor logical_xor(TraceTensor other) => M("logical_xor", r => r[this].logical_xor(r[other]), other);

    /// <summary>Elementwise NaN test.</summary>
    public TraceTensor isnan() => M("isnan", r => r[this].isnan());

    /// <summary>Elementwise finiteness test.</summary>
    public TraceTensor isfinite() => M("isfinite", r => r[this].isfinite());

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

    // ---------------------------------------------------------------- shapes

    /// <summary>Reshape; symbolic sizes (from <c>x.shape[i]</c>) stay symbolic.</summary>
    /// <param name="shape">The new shape (one entry may be -1).</param>
    public TraceTensor reshape(params SymInt[] shape) => M("reshape", r => r[this].reshape(r.L(shape)), shape);

    /// <summary>Reshape to another tensor's shape (kept symbolic).</summary>
    /// <param name="shape">The shape.</param>
    public TraceTensor reshape(TraceShape shape) => reshape(shape.ToArray());

    /// <summary>View with another tensor's shape, whatever its rank (recorded as <c>view_as</c>).</summary>
    /// <param name="other">The tensor whose shape is taken.</param>
    public TraceTensor view_as(TraceTensor other) => M("view_as", r => r[this].view_as(r[other]), other);

    /// <summary>Reshape to fixed sizes.</summary>
    /// <param name="shape">The new shape (one entry may be -1).</param>
    public TraceTensor reshape(long[] shape) => M("reshape", r => r[this].reshape(shape), shape);

    /// <summary>View with another shape; symbolic sizes stay symbolic.</summary>
    /// <param name="shape">The new shape (one entry may be -1).</param>
    public TraceTensor view(params SymInt[] shape) => M("view", r => r[this].view(r.L(shape)), shape);

    /// <summary>View with another tensor's shape (kept symbolic).</summary>
    /// <param name="shape">The shape.</param>
    public TraceTensor view(TraceShape shape) => view(shape.ToArray());

    /// <summary>View with fixed sizes.</summary>
    /// <param name="shape">The new shape.</param>
    public TraceTensor view(long[] shape) => M("view", r => r[this].view(shape), shape);

    /// <summary>Flattens dimensions <paramref name="start_dim"/>..<paramref name="end_dim"/>.</summary>
    /// <param name="start_dim">First dimension.</param>
    /// <param name="end_dim">Last dimension.</param>
    public TraceTensor flatten(long start_dim = 0, long end_dim = -1) =>
        M("flatten", r => r[this].flatten(start_dim, end_dim), start_dim, end_dim);

    /// <summary>Splits dimension <paramref name="dim"/> into <paramref name="sizes"/>.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="sizes">The new sizes (one may be -1).</param>
    public TraceTensor unflatten(long dim, params SymInt[] sizes) =>
        M("unflatten", r => r[this].unflatten(dim, r.L(sizes)), dim, sizes);

    /// <summary>Splits dimension <paramref name="dim"/> into fixed sizes.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="sizes">The new sizes.</param>
    public TraceTensor unflatten(long dim, long[] sizes) => M("unflatten", r => r[this].unflatten(dim, sizes), dim, sizes);

    /// <summary>Splits dimension <paramref name="dim"/> into sizes read from a shape (symbolic, as
    /// <c>x.unflatten(0, y.shape[..^1])</c> in the eager code).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="sizes">The new sizes.</param>
    public TraceTensor unflatten(long dim, TraceShape sizes) => unflatten(dim, sizes.ToArray());

    // unflatten with a dimension that may count from the end (TensorExtensions' overloads for TraceTensor, which are
    // extension methods so that an int dimension still binds to the long overloads above): recorded negative.
    internal TraceTensor UnflattenAt(Index dim, long[] sizes) =>
        M("unflatten", r => r[this].unflatten(dim, sizes), Recorded(dim), sizes);

    internal TraceTensor UnflattenAt(Index dim, SymInt[] sizes) =>
        M("unflatten", r => r[this].unflatten(dim, r.L(sizes)), Recorded(dim), sizes);

    private static long Recorded(Index dim) => dim.IsFromEnd ? -dim.Value : dim.Value;

    /// <summary>Inserts a dimension of size 1.</summary>
    /// <param name="dim">Where.</param>
    public TraceTensor unsqueeze(long dim) => M("unsqueeze", r => r[this].unsqueeze(dim), dim);

    /// <summary>Removes dimensions of size 1 (all, or <paramref name="dim"/>).</summary>
    /// <param name="dim">The dimension, or null for all.</param>
    public TraceTensor squeeze(long? dim = null) =>
        dim is { } d ? M("squeeze", r => r[this].squeeze(d), d) : M("squeeze", r => r[this].squeeze());

    /// <summary>Swaps two dimensions.</summary>
    /// <param name="dim0">First.</param>
    /// <param name="dim1">Second.</param>
    public TraceTensor transpose(long dim0, long dim1) => M("transpose", r => r[this].transpose(dim0, dim1), dim0, dim1);

    /// <summary>Transpose of a matrix.</summary>
    public TraceTensor t() => M("t", r => r[this].t());

    /// <summary>Permutes dimensions.</summary>
    /// <param name="permutation">The new order.</param>
    public TraceTensor permute(params long[] permutation) => M("permute", r => r[this].permute(permutation), permutation);

    /// <summary>Moves dimensions.</summary>
    /// <param name="source">From.</param>
    /// <param name="destination">To.</param>
    public TraceTensor movedim(long[] source, long[] destination) =>
        M("movedim", r => r[this].movedim(source, destination), source, destination);

    /// <summary>A slice of <paramref name="length"/> entries from <paramref name="start"/> along <paramref name="dim"/>.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="start">Start.</param>
    /// <param name="length">Length.</param>
    public TraceTensor narrow(long dim, SymInt start, SymInt length) =>
        M("narrow", r => r[this].narrow(dim, r[start], r[length]), dim, start, length);

    /// <summary>Selects one index along a dimension (removing it).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The index.</param>
    public TraceTensor select(long dim, SymInt index) => M("select", r => r[this].select(dim, r[index]), dim, index);

    /// <summary>A strided slice along a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="start">Start.</param>
    /// <param name="finish">End (exclusive).</param>
    /// <param name="step">Step.</param>
    public TraceTensor slice(long dim, SymInt start, SymInt finish, long step) =>
        M("slice", r => r[this].slice(dim, r[start], r[finish], step), dim, start, finish, step);

    /// <summary>Rows (along <paramref name="dim"/>) given by an index tensor.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    public TraceTensor index_select(long dim, TraceTensor index) =>
        M("index_select", r => r[this].index_select(dim, r[index]), dim, index);

    /// <summary>Gathers values along a dimension.</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    public TraceTensor gather(long dim, TraceTensor index) => M("gather", r => r[this].gather(dim, r[index]), dim, index);

    /// <summary>Adds <paramref name="source"/> rows at <paramref name="index"/> (out of place).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    /// <param name="source">The rows.</param>
    /// <param name="alpha">The factor.</param>
    public TraceTensor index_add(long dim, TraceTensor index, TraceTensor source, Scalar alpha) =>
        MK("index_add", r => r[this].index_add(dim, r[index], r[source], alpha), [dim, index, source], new Kw("alpha", alpha));

    /// <summary>Scatter-add (out of place).</summary>
    /// <param name="dim">The dimension.</param>
    /// <param name="index">The int64 indices.</param>
    /// <param name="src">The values.</param>
    public TraceTensor scatter_add(long dim, TraceTensor index, TraceTensor src) =>
        M("scatter_add", r => r[this].scatter_add(dim, r[index], r[src]), dim, index, src);

    /// <summary>Fills where <paramref name="mask"/> is true.</summary>
    /// <param name="mask">The bool mask.</param>
    /// <param name="value">The value.</param>
    public TraceTensor masked_fill(TraceTensor mask, Scalar value) =>
        M("masked_fill", r => r[this].masked_fill(r[mask], value), mask, value);

    /// <summary><c>torch.where(condition, this, y)</c>.</summary>
    /// <param name="condition">The bool condition.</param>
    /// <param name="y">The values where false.</param>
    public TraceTensor where(TraceTensor condition, TraceTensor y) =>
        Recorder.Call("where", false, [condition, this, y], r => r[this].where(r[condition], r[y]));

    /// <summary>Broadcasts to a larger shape; symbolic sizes stay symbolic.</summary>
    /// <param name="sizes">The sizes (-1 keeps a dimension).</param>
    public TraceTensor expand(params SymInt[] sizes) => M("expand", r => r[this].expand(r.L(sizes)), sizes);

    /// <summary>Broadcasts to another tensor's shape (kept symbolic).</summary>
    /// <param name="sizes">The shape.</param>
    public TraceTensor expand(TraceShape sizes) => expand(sizes.ToArray());

    /// <summary>Broadcasts to fixed sizes.</summary>
    /// <param name="sizes">The sizes (-1 keeps a dimension).</param>
    /// <param name="isImplicit">Must be false.</param>
    public TraceTensor expand(long[] sizes, bool isImplicit = false) =>
        M("expand", r => r[this].expand(sizes, isImplicit), sizes);

    /// <summary>Broadcasts to the shape of <paramref name="other"/>.</summary>
    /// <param name="other">The tensor whose shape to take.</param>
    public TraceTensor expand_as(TraceTensor other) => M("expand_as", r => r[this].expand_as(r[other]), other);

    /// <summary>Repeats the tensor along each dimension.</summary>
    /// <param name="sizes">Repetitions per dimension.</param>
    public TraceTensor repeat(params SymInt[] sizes) => M("repeat", r => r[this].repeat(r.L(sizes)), sizes);

    /// <summary>Reverses dimensions.</summary>
    /// <param name="dims">The dimensions.</param>
    public TraceTensor flip(params long[] dims) => M("flip", r => r[this].flip(dims), dims);

    /// <summary>A diagonal.</summary>
    /// <param name="offset">Offset.</param>
    /// <param name="dim1">First dimension.</param>
    /// <param name="dim2">Second dimension.</param>
    public TraceTensor diagonal(long offset = 0, long dim1 = 0, long dim2 = 1) =>
        M("diagonal", r => r[this].diagonal(offset, dim1, dim2), offset, dim1, dim2);

    /// <summary>Lower triangle.</summary>
    /// <param name="diagonal">Diagonal offset.</param>
    public TraceTensor tril(long diagonal = 0) => M("tril", r => r[this].tril(diagonal), diagonal);

    /// <summary>Upper triangle.</summary>
    /// <param name="diagonal">Diagonal offset.</param>
    public TraceTensor triu(long diagonal = 0) => M("triu", r => r[this].triu(diagonal), diagonal);

    /// <summary>Contiguous copy (or the same tensor).</summary>
    public TraceTensor contiguous() => M("contiguous", r => r[this].contiguous());

    /// <summary>A copy.</summary>
    public TraceTensor clone() => M("clone", r => r[this].clone());

    /// <summary>The same values without autograd history.</summary>
    public TraceTensor detach() => M("detach", r => r[this].detach());

    /// <summary>Splits into chunks of <paramref name="size"/> along <paramref name="dim"/>.</summary>
    /// <param name="size">Chunk size.</param>
    /// <param name="dim">The dimension.</param>
    public TraceTensor[] split(long size, int dim = 0) =>
        Recorder.CallList("split", true, [this, size, (long)dim], r => r[this].split(size, dim));

    /// <summary>Splits into pieces of the given sizes along <paramref name="dim"/>.</summary>
    /// <param name="sizes">The sizes.</param>
    /// <param name="dim">The dimension.</param>
    public TraceTensor[] split(long[] sizes, long dim = 0) =>
        Recorder.CallList("split_with_sizes", true, [this, sizes, dim], r => r[this].split(sizes, dim));

    /// <summary>Splits into <paramref name="chunks"/> chunks.</summary>
    /// <param name="chunks">Number of chunks.</param>
    /// <param name="dim">The dimension.</param>
    public TraceTensor[] chunk(long chunks, long dim = 0) =>
        Recorder.CallList("chunk", true, [this, chunks, dim], r => r[this].chunk(chunks, dim));

    /// <summary>Removes a dimension, returning its slices.</summary>
    /// <param name="dimension">The dimension.</param>
    public TraceTensor[] unbind(long dimension = 0) =>
        Recorder.CallList("unbind", true, [this, dimension], r => r[this].unbind(dimension));

    // ---------------------------------------------------------------- conversions and creation

    /// <summary>Converts to another dtype.</summary>
    /// <param name="type">The dtype.</param>
    /// <param name="copy">Force a copy.</param>
    /// <param name="disposeAfter">Ignored in tracing twins.</param>
    /// <param name="non_blocking">Ignored.</param>
    public TraceTensor to(torch.ScalarType type, bool copy = false, bool disposeAfter = false, bool non_blocking = false) =>
        type == dtype && !copy ? this : M("to", r => r[this].to(type, copy), type);

    /// <summary>Converts to the dtype (and device) of another tensor.</summary>
    /// <param name="other">The other tensor.</param>
    /// <param name="non_blocking">Ignored.</param>
    public TraceTensor to(TraceTensor other, bool non_blocking = false) => M("to", r => r[this].to(r[other]), other);

    /// <summary>Moving to another device is not traced; moving to the tensor's own device does nothing.</summary>
    /// <param name="device">The device.</param>
    /// <param name="copy">Force a copy.</param>
    /// <param name="disposeAfter">Ignored.</param>
    /// <param name="non_blocking">Ignored.</param>
    public TraceTensor to(torch.Device device, bool copy = false, bool disposeAfter = false, bool non_blocking = false)
    {
        if (device.type != Value.device.type || (device.index >= 0 && device.index != Value.device.index))
        {
            throw new TracingException(
                $"{TraceSession.Where()}: moving a traced tensor to another device ({device}) cannot be recorded; " +
                "move the compiled module instead.");
        }

        return copy ? clone() : this;
    }

    /// <summary>Converts to float32.</summary>
    public TraceTensor @float() => to(torch.ScalarType.Float32);

    /// <summary>Converts to float64.</summary>
    public TraceTensor @double() => to(torch.ScalarType.Float64);

    /// <summary>Converts to int64.</summary>
    public TraceTensor @long() => to(torch.ScalarType.Int64);

    /// <summary>Converts to int32.</summary>
    public TraceTensor @int() => to(torch.ScalarType.Int32);

    /// <summary>Converts to bool.</summary>
    public TraceTensor @bool() => to(torch.ScalarType.Bool);

    /// <summary>Converts to the dtype of <paramref name="other"/>.</summary>
    /// <param name="other">The other tensor.</param>
    public TraceTensor type_as(TraceTensor other) => M("type_as", r => r[this].type_as(r[other]), other);

    /// <summary>Zeros of the same shape.</summary>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor zeros_like(torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("zeros_like", r => r[this].zeros_like(dtype, device, requires_grad), [], DType(dtype));

    /// <summary>Ones of the same shape.</summary>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor ones_like(torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("ones_like", r => r[this].ones_like(dtype, device, requires_grad), [], DType(dtype));

    /// <summary>Zeros of another shape with this tensor's dtype and device; symbolic sizes stay symbolic.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor new_zeros(SymInt[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("new_zeros", r => r[this].new_zeros(r.L(size), dtype, device, requires_grad), [size], DType(dtype));

    /// <summary>Zeros of another shape with this tensor's dtype and device.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">Must be null or the same device.</param>
    /// <param name="requires_grad">Must be false.</param>
    public TraceTensor new_zeros(long[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false) =>
        MK("new_zeros", r => r[this].new_zeros(size, dtype, device, requires_grad), [size], DType(dtype));
}
