using System.ComponentModel;
using E3Sharp.Jit.Ir;
using TorchSharp;

namespace E3Sharp.Jit.Tracing;

/// <summary>
/// The <c>torch.*</c> functions of tracing twins: the source generator redirects a call of <c>torch.X(...)</c>
/// (or <c>torch.nn.functional.X(...)</c>) in a traced forward to the member of the same name here. Functions of
/// tensors record the aten operator; tensor factories (<c>zeros</c>, <c>ones</c>, <c>eye</c>, ...) give constants
/// unless a size is symbolic; the lifetime idioms (<c>NewDisposeScope</c>, <c>no_grad</c>) do nothing.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class TraceTorch
{
    private static TraceTensor F(string op, Func<Run, torch.Tensor> exec, params object?[] args) => Recorder.Call(op, false, args, exec);

    // ---------------------------------------------------------------- lifetime idioms

    /// <summary>Does nothing in a tracing twin (the tracer owns every tensor).</summary>
    public static NoOpScope NewDisposeScope() => NoOpScope.Instance;

    /// <summary>Does nothing in a tracing twin (the trace runs without autograd).</summary>
    public static NoOpScope no_grad() => NoOpScope.Instance;

    /// <summary>Does nothing in a tracing twin.</summary>
    /// <param name="enabled">Ignored.</param>
    public static NoOpScope enable_grad(bool enabled = true) => NoOpScope.Instance;

    /// <summary>Does nothing in a tracing twin.</summary>
    /// <param name="mode">Ignored.</param>
    public static NoOpScope inference_mode(bool mode = true) => NoOpScope.Instance;

    // ---------------------------------------------------------------- combining tensors

    /// <summary>Concatenates along <paramref name="dim"/>.</summary>
    /// <param name="tensors">The tensors.</param>
    /// <param name="dim">The dimension.</param>
    public static TraceTensor cat(IList<TraceTensor> tensors, long dim = 0)
    {
        var list = tensors.ToArray();
        return F("cat", r => torch.cat(r.T(list), dim), list, dim);
    }

    /// <summary>Stacks along a new dimension <paramref name="dim"/>.</summary>
    /// <param name="tensors">The tensors.</param>
    /// <param name="dim">The dimension.</param>
    public static TraceTensor stack(IEnumerable<TraceTensor> tensors, long dim = 0)
    {
        var list = tensors.ToArray();
        return F("stack", r => torch.stack(r.T(list), dim), list, dim);
    }

    /// <summary>Einstein summation.</summary>
    /// <param name="equation">The equation.</param>
    /// <param name="tensors">The operands.</param>
    public static TraceTensor einsum(string equation, params TraceTensor[] tensors) =>
        F("einsum", r => torch.einsum(equation, r.T(tensors)), equation, tensors);

    /// <summary><c>condition ? x : y</c> elementwise.</summary>
    /// <param name="condition">The bool condition.</param>
    /// <param name="x">Values where true.</param>
    /// <param name="y">Values where false.</param>
    public static TraceTensor where(TraceTensor condition, TraceTensor x, TraceTensor y) =>
        F("where", r => torch.where(r[condition], r[x], r[y]), condition, x, y);

    // ---------------------------------------------------------------- functions of one or two tensors

    /// <summary>Matrix product.</summary>
    /// <param name="input">Left.</param>
    /// <param name="target">Right.</param>
    public static TraceTensor matmul(TraceTensor input, TraceTensor target) => input.matmul(target);

    /// <summary>Matrix product of 2-D tensors.</summary>
    /// <param name="input">Left.</param>
    /// <param name="mat2">Right.</param>
    public static TraceTensor mm(TraceTensor input, TraceTensor mat2) => input.mm(mat2);

    /// <summary>Batched matrix product.</summary>
    /// <param name="input">Left.</param>
    /// <param name="batch2">Right.</param>
    public static TraceTensor bmm(TraceTensor input, TraceTensor batch2) => input.bmm(batch2);

    /// <summary>Outer product.</summary>
    /// <param name="input">Left.</param>
    /// <param name="vec2">Right.</param>
    public static TraceTensor outer(TraceTensor input, TraceTensor vec2) => input.outer(vec2);

    /// <summary>Elementwise power.</summary>
    /// <param name="left">Base.</param>
    /// <param name="exponent">Exponent.</param>
    public static TraceTensor pow(TraceTensor left, TraceTensor exponent) => left.pow(exponent);

    /// <summary>Power by a scalar.</summary>
    /// <param name="left">Base.</param>
    /// <param name="exponent">Exponent.</param>
    public static TraceTensor pow(TraceTensor left, Scalar exponent) => left.pow(exponent);

    /// <summary>Elementwise maximum.</summary>
    /// <param name="input">Left.</param>
    /// <param name="other">Right.</param>
    public static TraceTensor maximum(TraceTensor input, TraceTensor other) => input.maximum(other);

    /// <summary>Elementwise minimum.</summary>
    /// <param name="input">Left.</param>
    /// <param name="other">Right.</param>
    public static TraceTensor minimum(TraceTensor input, TraceTensor other) => input.minimum(other);

    /// <summary>Elementwise atan2.</summary>
    /// <param name="input">y.</param>
    /// <param name="other">x.</param>
    public static TraceTensor atan2(TraceTensor input, TraceTensor other) => input.atan2(other);

    /// <summary>Sum of all elements.</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="type">Result dtype or null.</param>
    public static TraceTensor sum(TraceTensor input, torch.ScalarType? type = null) => input.sum(type);

    /// <summary>Sum over one dimension.</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="dim">The dimension.</param>
    /// <param name="keepdim">Whether to keep it.</param>
    /// <param name="type">Result dtype or null.</param>
    public static TraceTensor sum(TraceTensor input, long dim, bool keepdim = false, torch.ScalarType? type = null) =>
        input.sum(dim, keepdim, type);

    /// <summary>Mean of all elements.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor mean(TraceTensor input) => input.mean();

    /// <summary>Mean over dimensions.</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="dimensions">The dimensions.</param>
    /// <param name="keepdim">Whether to keep them.</param>
    /// <param name="type">Result dtype or null.</param>
    public static TraceTensor mean(TraceTensor input, long[] dimensions, bool keepdim = false, torch.ScalarType? type = null) =>
        input.mean(dimensions, keepdim, type);

    /// <summary>Absolute value.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor abs(TraceTensor input) => input.abs();

    /// <summary>Square root.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor sqrt(TraceTensor input) => input.sqrt();

    /// <summary>Exponential.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor exp(TraceTensor input) => input.exp();

    /// <summary>Natural logarithm.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor log(TraceTensor input) => input.log();

    /// <summary>Sine.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor sin(TraceTensor input) => input.sin();

    /// <summary>Cosine.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor cos(TraceTensor input) => input.cos();

    /// <summary>Hyperbolic tangent.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor tanh(TraceTensor input) => input.tanh();

    /// <summary>Logistic sigmoid.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor sigmoid(TraceTensor input) => input.sigmoid();

    /// <summary>Rectified linear unit.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor relu(TraceTensor input) => input.relu();

    /// <summary>Error function.</summary>
    /// <param name="input">The tensor.</param>
    public static TraceTensor erf(TraceTensor input) => input.erf();

    /// <summary>Clamps to [min, max].</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="min">Lower bound or null.</param>
    /// <param name="max">Upper bound or null.</param>
    public static TraceTensor clamp(TraceTensor input, Scalar? min = null, Scalar? max = null) => input.clamp(min, max);

    // ---------------------------------------------------------------- factories

    private static TraceTensor Factory(string op, SymInt[] size, torch.ScalarType? dtype, torch.Device? device, bool requires_grad,
        Func<long[], torch.ScalarType, torch.Tensor> make, params object?[] extra)
    {
        if (requires_grad)
        {
            throw new TracingException(
                $"{TraceSession.Where()}: torch.{op}(..., requires_grad: true) inside a traced forward cannot be recorded; " +
                "register a Parameter in the module's constructor instead.");
        }

        if (device is not null && device.type != DeviceType.CPU)
        {
            throw new TracingException(
                $"{TraceSession.Where()}: torch.{op}(..., device: {device}) inside a traced forward cannot be recorded; " +
                "create the tensor on the default device or use a *_like function.");
        }

        var dt = dtype ?? torch.get_default_dtype();
        object?[] args = [size, .. extra];
        return Recorder.Call(op, false, args, r => make(r.L(size), dt), new Kw("dtype", dt));
    }

    /// <summary>Zeros; symbolic sizes stay symbolic, constant sizes give a constant.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype (default dtype if null).</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros(SymInt[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        Factory("zeros", size, dtype, device, requires_grad, (s, dt) => torch.zeros(s, dt));

    /// <summary>Zeros of another tensor's shape (kept symbolic).</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros(TraceShape size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        zeros(size.ToArray(), dtype, device, requires_grad, names);

    /// <summary>Zeros of fixed sizes.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros(long[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        zeros(size.Select(s => (SymInt)s).ToArray(), dtype, device, requires_grad, names);

    /// <summary>Zeros (1-D).</summary>
    /// <param name="size">The length.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros(SymInt size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        zeros([size], dtype, device, requires_grad, names);

    /// <summary>Zeros (2-D).</summary>
    /// <param name="rows">Rows.</param>
    /// <param name="columns">Columns.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros(SymInt rows, SymInt columns, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        zeros([rows, columns], dtype, device, requires_grad, names);

    /// <summary>Zeros (3-D).</summary>
    /// <param name="dim0">Size 0.</param>
    /// <param name="dim1">Size 1.</param>
    /// <param name="dim2">Size 2.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros(SymInt dim0, SymInt dim1, SymInt dim2, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        zeros([dim0, dim1, dim2], dtype, device, requires_grad, names);

    /// <summary>Ones; symbolic sizes stay symbolic, constant sizes give a constant.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype (default dtype if null).</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor ones(SymInt[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        Factory("ones", size, dtype, device, requires_grad, (s, dt) => torch.ones(s, dt));

    /// <summary>Ones of another tensor's shape (kept symbolic).</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor ones(TraceShape size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        ones(size.ToArray(), dtype, device, requires_grad, names);

    /// <summary>Ones of fixed sizes.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor ones(long[] size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        ones(size.Select(s => (SymInt)s).ToArray(), dtype, device, requires_grad, names);

    /// <summary>Ones (1-D).</summary>
    /// <param name="size">The length.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor ones(SymInt size, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        ones([size], dtype, device, requires_grad, names);

    /// <summary>Ones (2-D).</summary>
    /// <param name="rows">Rows.</param>
    /// <param name="columns">Columns.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor ones(SymInt rows, SymInt columns, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        ones([rows, columns], dtype, device, requires_grad, names);

    /// <summary>A tensor filled with <paramref name="value"/>; symbolic sizes stay symbolic.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="value">The value.</param>
    /// <param name="dtype">The dtype (default dtype if null).</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor full(SymInt[] size, Scalar value, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        Factory("full", size, dtype, device, requires_grad, (s, dt) => torch.full(s, value, dt), value);

    /// <summary>A tensor of fixed sizes filled with <paramref name="value"/>.</summary>
    /// <param name="size">The shape.</param>
    /// <param name="value">The value.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor full(long[] size, Scalar value, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        full(size.Select(s => (SymInt)s).ToArray(), value, dtype, device, requires_grad, names);

    /// <summary>A 1-D tensor filled with <paramref name="value"/>.</summary>
    /// <param name="size">The length.</param>
    /// <param name="value">The value.</param>
    /// <param name="dtype">The dtype.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor full(SymInt size, Scalar value, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        full([size], value, dtype, device, requires_grad, names);

    /// <summary>Zeros shaped like <paramref name="input"/>.</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor zeros_like(TraceTensor input, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        input.zeros_like(dtype, device, requires_grad);

    /// <summary>Ones shaped like <paramref name="input"/>.</summary>
    /// <param name="input">The tensor.</param>
    /// <param name="dtype">The dtype or null.</param>
    /// <param name="device">CPU or null.</param>
    /// <param name="requires_grad">Must be false.</param>
    /// <param name="names">Ignored.</param>
    public static TraceTensor ones_like(TraceTensor input, torch.ScalarType? dtype = null, torch.Device? device = null, bool requires_grad = false, string[]? names = null) =>
        input.ones_like(dtype, device, requires_grad);

    /// <summary>Functions of <c>torch.nn</c>.</summary>
#pragma warning disable CS8981 // lower-case names mirror TorchSharp's torch.nn.functional
    [EditorBrowsable(EditorBrowsableState.Never)]
    public static class nn
    {
        /// <summary>The <c>torch.nn.functional</c> functions of tracing twins.</summary>
        [EditorBrowsable(EditorBrowsableState.Never)]
        public static class functional
        {
            /// <summary><c>input @ weights.T + bias</c>.</summary>
            /// <param name="input">The input.</param>
            /// <param name="weights">The weight matrix [out, in].</param>
            /// <param name="bias">The bias or null.</param>
            public static TraceTensor linear(TraceTensor input, TraceTensor weights, TraceTensor? bias = null) =>
                F("linear", r => torch.nn.functional.linear(r[input], r[weights], r.Opt(bias)), input, weights, bias);

            /// <summary>ReLU.</summary>
            /// <param name="x">The input.</param>
            /// <param name="inplace">Must be false.</param>
            public static TraceTensor relu(TraceTensor x, bool inplace = false) => NotInPlace(inplace, "relu").relu(x);

            /// <summary>SiLU.</summary>
            /// <param name="x">The input.</param>
            /// <param name="inplace">Must be false.</param>
            public static TraceTensor silu(TraceTensor x, bool inplace = false) => NotInPlace(inplace, "silu").silu(x);

            /// <summary>Tanh.</summary>
            /// <param name="x">The input.</param>
            /// <param name="inplace">Must be false.</param>
            public static TraceTensor tanh(TraceTensor x, bool inplace = false) => NotInPlace(inplace, "tanh").tanh(x);

            /// <summary>Sigmoid.</summary>
            /// <param name="x">The input.</param>
            public static TraceTensor sigmoid(TraceTensor x) => x.sigmoid();

            /// <summary>GELU (exact).</summary>
            /// <param name="x">The input.</param>
            public static TraceTensor gelu(TraceTensor x) => x.gelu();

            /// <summary>GELU with an approximation.</summary>
            /// <param name="x">The input.</param>
            /// <param name="approximate">None or tanh.</param>
            /// <param name="inplace">Must be false.</param>
            public static TraceTensor gelu(TraceTensor x, TorchSharp.Modules.GELU.Approximate approximate, bool inplace = false)
            {
                NotInPlace(inplace, "gelu");
                var mode = approximate.ToString() == "tanh" ? "tanh" : "none";
                return Recorder.Call("gelu", false, [x], r => torch.nn.functional.gelu(r[x], approximate), new Kw("approximate", mode));
            }

            /// <summary>Softplus.</summary>
            /// <param name="x">The input.</param>
            /// <param name="beta">Beta.</param>
            /// <param name="threshold">Threshold.</param>
            public static TraceTensor softplus(TraceTensor x, double beta = 1, double threshold = 20) => x.softplus(beta, threshold);

            /// <summary>Leaky ReLU.</summary>
            /// <param name="input">The input.</param>
            /// <param name="negative_slope">Slope for negative inputs.</param>
            /// <param name="inplace">Must be false.</param>
            public static TraceTensor leaky_relu(TraceTensor input, double negative_slope = 0.01, bool inplace = false)
            {
                NotInPlace(inplace, "leaky_relu");
                return F("leaky_relu", r =>
                {
                    using var slope = negative_slope.ToScalar();
                    return r[input].leaky_relu(slope);
                }, input, negative_slope);
            }

            /// <summary>Softmax.</summary>
            /// <param name="input">The input.</param>
            /// <param name="dim">The dimension.</param>
            /// <param name="dtype">Result dtype or null.</param>
            public static TraceTensor softmax(TraceTensor input, long dim, torch.ScalarType? dtype = null) => input.softmax(dim, dtype);

            /// <summary>Log-softmax.</summary>
            /// <param name="x">The input.</param>
            /// <param name="dim">The dimension.</param>
            public static TraceTensor log_softmax(TraceTensor x, long dim) => x.log_softmax(dim);

            /// <summary>Dropout with the given training flag (recorded as a constant flag).</summary>
            /// <param name="input">The input.</param>
            /// <param name="p">Drop probability.</param>
            /// <param name="training">Whether to drop.</param>
            /// <param name="inplace">Must be false.</param>
            public static TraceTensor dropout(TraceTensor input, double p = 0.5, bool training = true, bool inplace = false)
            {
                NotInPlace(inplace, "dropout");
                return F("dropout", r => torch.nn.functional.dropout(r[input], p, training), input, p, training);
            }

            /// <summary>Lp-normalization along a dimension, as TorchSharp/PyTorch compute it:
            /// <c>input / norm(input, p, dim, keepdim).clamp_min(eps).expand_as(input)</c>.</summary>
            /// <param name="input">The input.</param>
            /// <param name="p">The norm's order.</param>
            /// <param name="dim">The dimension.</param>
            /// <param name="eps">Lower bound of the norm.</param>
            public static TraceTensor normalize(TraceTensor input, double p = 2, long dim = 1, double eps = 1e-12)
            {
                var norm = Recorder.Call("norm", true, [input, p, new[] { dim }, true],
                    r => r[input].norm(checked((int)dim), keepdim: true, p: (float)p));
                using var minNorm = eps.ToScalar();
                return input.div(norm.clamp_min(minNorm).expand_as(input));
            }

            /// <summary>Layer normalization over the last dimensions.</summary>
            /// <param name="input">The input.</param>
            /// <param name="normalized_shape">The normalized (trailing) shape.</param>
            /// <param name="weight">Scale or null.</param>
            /// <param name="bias">Shift or null.</param>
            /// <param name="eps">Epsilon.</param>
            public static TraceTensor layer_norm(TraceTensor input, long[] normalized_shape, TraceTensor? weight = null, TraceTensor? bias = null, double eps = 1e-05) =>
                F("layer_norm", r => torch.nn.functional.layer_norm(r[input], normalized_shape, r.Opt(weight), r.Opt(bias), eps),
                    input, normalized_shape, weight, bias, eps);

            private static Functions NotInPlace(bool inplace, string name)
            {
                if (inplace)
                {
                    throw new TracingException(
                        $"{TraceSession.Where()}: torch.nn.functional.{name}(..., inplace: true) cannot be traced (traced code is functional); pass inplace: false.");
                }

                return Functions.Instance;
            }

            private sealed class Functions
            {
                public static readonly Functions Instance = new();

                public TraceTensor relu(TraceTensor x) => x.relu();

                public TraceTensor silu(TraceTensor x) => x.silu();

                public TraceTensor tanh(TraceTensor x) => x.tanh();
            }
        }
    }
#pragma warning restore CS8981
}
