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
    public TraceTensor square() => M("square", r =>
    {
        // Tensor.square() is pow(2) with an unheld Scalar.
        using var two = 2.ToScalar();
        return r[this].pow(two);
    });

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
}
