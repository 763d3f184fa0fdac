using E3Sharp.Jit;
using System.Globalization;
using E3Sharp.O3;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Testing;

/// <summary>Assertions for equivariant modules (e3nn's <c>e3nn.util.test</c>).</summary>
public static partial class Assertions
{
    /// <summary>Default tolerance for float32 results (e3nn's <c>FLOAT_TOLERANCE</c>).</summary>
    public const double Float32Tolerance = 1e-3;

    /// <summary>Default tolerance for float64 results (e3nn's <c>FLOAT_TOLERANCE</c>).</summary>
    public const double Float64Tolerance = 1e-9;

    /// <summary>
    /// Checks that <paramref name="module"/> commutes with random rotations (and, if <paramref name="doParity"/>,
    /// rotations composed with the inversion): <c>f(D_in x) = D_out f(x)</c> (e3nn's <c>assert_equivariant</c>).
    /// </summary>
    /// <param name="module">The module; its <c>forward</c> taking one tensor per input is called.</param>
    /// <param name="inputs">Makes the inputs; default: random inputs from <paramref name="irrepsIn"/> (batch 1..4).</param>
    /// <param name="irrepsIn">Irreps of each input (<c>null</c> entry: not transformed, e.g. weights); default: the
    /// module's <see cref="IIrrepsModule.IrrepsIn"/>.</param>
    /// <param name="irrepsOut">Irreps of each output (<c>null</c> entry: must be invariant); default: the module's
    /// <see cref="IIrrepsModule.IrrepsOuts"/>.</param>
    /// <param name="tolerance">Largest error allowed; default 1e-3 for float32 results, 1e-9 for float64.</param>
    /// <param name="doParity">Whether to also test the inversion.</param>
    /// <param name="trials">Random rotations per transformation kind.</param>
    /// <param name="generator">Random source for rotations and inputs (<c>null</c>: global generator).</param>
    /// <returns>The measured errors, one entry per transformation kind.</returns>
    /// <exception cref="EquivarianceException">An error exceeds the tolerance (the message lists all errors).</exception>
    public static IReadOnlyList<EquivarianceError> AssertEquivariant(
        nn.Module module,
        Func<Tensor[]>? inputs = null,
        IReadOnlyList<Irreps?>? irrepsIn = null,
        IReadOnlyList<Irreps?>? irrepsOut = null,
        double? tolerance = null,
        bool doParity = true,
        int trials = 1,
        Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        var (ins, outs) = ResolveIrreps(module, irrepsIn, irrepsOut);
        var make = inputs ?? RandomInputs(module, ins, generator);
        return AssertEquivariant(args => ModuleInvoker.Invoke(module, args), ins, outs, make, tolerance, doParity,
            trials, generator, module.GetType().Name);
    }

    /// <summary>
    /// Checks that <paramref name="function"/> is equivariant: <c>f(D_in x) = D_out f(x)</c> for random rotations
    /// (and inversions if <paramref name="doParity"/>).
    /// </summary>
    /// <param name="function">The function: inputs to outputs.</param>
    /// <param name="irrepsIn">Irreps of each input (<c>null</c> entry: not transformed).</param>
    /// <param name="irrepsOut">Irreps of each output (<c>null</c> entry: must be invariant).</param>
    /// <param name="inputs">Makes the inputs; default: random inputs from <paramref name="irrepsIn"/> in the default
    /// dtype (all entries must then be irreps).</param>
    /// <param name="tolerance">Largest error allowed; default 1e-3 for float32 results, 1e-9 for float64.</param>
    /// <param name="doParity">Whether to also test the inversion.</param>
    /// <param name="trials">Random rotations per transformation kind.</param>
    /// <param name="generator">Random source (<c>null</c>: global generator).</param>
    /// <param name="name">Name of the function for messages.</param>
    /// <returns>The measured errors, one entry per transformation kind.</returns>
    /// <exception cref="EquivarianceException">An error exceeds the tolerance.</exception>
    public static IReadOnlyList<EquivarianceError> AssertEquivariant(
        Func<Tensor[], Tensor[]> function,
        IReadOnlyList<Irreps?> irrepsIn,
        IReadOnlyList<Irreps?> irrepsOut,
        Func<Tensor[]>? inputs = null,
        double? tolerance = null,
        bool doParity = true,
        int trials = 1,
        Generator? generator = null,
        string name = "function")
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(irrepsIn);
        ArgumentNullException.ThrowIfNull(irrepsOut);
        var make = inputs ?? RandomInputs(null, irrepsIn, generator);
        ScalarType? resultDtype = null;
        var errors = EquivarianceErrors(function, irrepsIn, irrepsOut, make, doParity, trials, generator,
            dtype => resultDtype ??= dtype, name);
        var tol = tolerance ?? (resultDtype == ScalarType.Float64 ? Float64Tolerance : Float32Tolerance);
        if (errors.Any(e => e.MaxError > tol || double.IsNaN(e.MaxError)))
        {
            throw new EquivarianceException(
                $"Largest componentwise equivariance error of {name} was too large (tolerance " +
                $"{tol.ToString("0.###e+00", CultureInfo.InvariantCulture)}) for:\n" +
                string.Join("\n", errors.Select(e => e.ToString())), errors);
        }
        return errors;
    }

    /// <summary>
    /// Measures the equivariance errors of <paramref name="function"/> without asserting (e3nn's
    /// <c>equivariance_error</c>).
    /// </summary>
    /// <param name="function">The function: inputs to outputs.</param>
    /// <param name="irrepsIn">Irreps of each input (<c>null</c> entry: not transformed).</param>
    /// <param name="irrepsOut">Irreps of each output (<c>null</c> entry: must be invariant).</param>
    /// <param name="inputs">Makes the inputs.</param>
    /// <param name="doParity">Whether to also test the inversion.</param>
    /// <param name="trials">Random rotations per transformation kind.</param>
    /// <param name="generator">Random source (<c>null</c>: global generator).</param>
    /// <returns>One entry per transformation kind (parity 0, then 1).</returns>
    public static IReadOnlyList<EquivarianceError> EquivarianceErrors(
        Func<Tensor[], Tensor[]> function,
        IReadOnlyList<Irreps?> irrepsIn,
        IReadOnlyList<Irreps?> irrepsOut,
        Func<Tensor[]> inputs,
        bool doParity = true,
        int trials = 1,
        Generator? generator = null) =>
        EquivarianceErrors(function, irrepsIn, irrepsOut, inputs, doParity, trials, generator, _ => { }, "function");

    private static IReadOnlyList<EquivarianceError> EquivarianceErrors(
        Func<Tensor[], Tensor[]> function,
        IReadOnlyList<Irreps?> irrepsIn,
        IReadOnlyList<Irreps?> irrepsOut,
        Func<Tensor[]> inputs,
        bool doParity,
        int trials,
        Generator? generator,
        Action<ScalarType> seeDtype,
        string name)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(inputs);
        if (trials < 1) throw new ArgumentOutOfRangeException(nameof(trials), "At least one trial is needed.");
        var result = new List<EquivarianceError>();
        foreach (var parity in doParity ? new[] { 0, 1 } : new[] { 0 })
        {
            var worst = new double[irrepsOut.Count];
            for (var trial = 0; trial < trials; trial++)
            {
                using var scope = NewDisposeScope();
                var args = inputs();
                if (args.Length != irrepsIn.Count)
                {
                    throw new ArgumentException(
                        $"{name}: the inputs hook made {args.Length} tensor(s) but {irrepsIn.Count} input irreps were given.",
                        nameof(inputs));
                }
                var (alpha, beta, gamma) = Rotations.RandAngles(Array.Empty<long>(), ScalarType.Float64, null, generator);
                var k = tensor((double)parity, ScalarType.Float64);
                var rotatedArgs = new Tensor[args.Length];
                for (var i = 0; i < args.Length; i++)
                {
                    rotatedArgs[i] = Transform(args[i], irrepsIn[i], alpha, beta, gamma, k, $"{name} input {i}");
                }
                Tensor[] plain, rotatedFirst;
                using (no_grad())
                {
                    plain = function(args);
                    rotatedFirst = function(rotatedArgs);
                }
                if (plain.Length != irrepsOut.Count || rotatedFirst.Length != irrepsOut.Count)
                {
                    throw new ArgumentException(
                        $"{name} returned {plain.Length} output(s) but {irrepsOut.Count} output irreps were given.",
                        nameof(irrepsOut));
                }
                for (var o = 0; o < plain.Length; o++)
                {
                    seeDtype(plain[o].dtype);
                    var rotatedAfter = TransformF64(plain[o], irrepsOut[o], alpha, beta, gamma, k, $"{name} output {o}");
                    var diff = rotatedFirst[o].to(ScalarType.Float64).sub(rotatedAfter);
                    var err = diff.numel() == 0 ? 0.0 : diff.abs().max().item<double>();
                    if (double.IsNaN(err) || err > worst[o]) worst[o] = double.IsNaN(err) ? double.NaN : err;
                }
            }
            result.Add(new EquivarianceError(parity, worst));
        }
        return result;
    }

    private static Tensor Transform(Tensor x, Irreps? irreps, Tensor alpha, Tensor beta, Tensor gamma, Tensor k,
        string what)
    {
        if (irreps is null) return x.clone();
        return TransformF64(x, irreps, alpha, beta, gamma, k, what).to(x.dtype);
    }

    // x @ D^T in float64.
    private static Tensor TransformF64(Tensor x, Irreps? irreps, Tensor alpha, Tensor beta, Tensor gamma, Tensor k,
        string what)
    {
        var x64 = x.detach().to(ScalarType.Float64);
        if (irreps is null) return x64;
        if (x.dim() == 0 || x.shape[^1] != irreps.Dim)
        {
            throw new ArgumentException(
                $"{what} has shape [{string.Join(", ", x.shape)}] but its irreps {irreps} have dimension {irreps.Dim}.");
        }
        if (irreps.Dim == 0) return x64;
        var d = irreps.D(alpha, beta, gamma, k).to(ScalarType.Float64);
        return x64.checked_matmul(d.transpose(-1, -2));
    }

    private static (IReadOnlyList<Irreps?> In, IReadOnlyList<Irreps?> Out) ResolveIrreps(
        nn.Module module, IReadOnlyList<Irreps?>? irrepsIn, IReadOnlyList<Irreps?>? irrepsOut)
    {
        var irrepsModule = module as IIrrepsModule;
        if ((irrepsIn is null || irrepsOut is null) && irrepsModule is null)
        {
            throw new ArgumentException(
                $"Cannot infer the irreps of {module.GetType().Name}: it is not an {nameof(IIrrepsModule)}; give " +
                "irrepsIn and irrepsOut explicitly.", nameof(module));
        }
        var ins = irrepsIn ?? irrepsModule!.IrrepsIn.Cast<Irreps?>().ToArray();
        var outs = irrepsOut ?? irrepsModule!.IrrepsOuts.Cast<Irreps?>().ToArray();
        return (ins, outs);
    }

    private static Func<Tensor[]> RandomInputs(nn.Module? module, IReadOnlyList<Irreps?> irrepsIn, Generator? generator)
    {
        if (irrepsIn.Any(i => i is null))
        {
            throw new ArgumentException(
                "Random inputs can only be made when every input has irreps; provide an inputs hook for the others.",
                nameof(irrepsIn));
        }
        var (dtype, device) = module is null ? (get_default_dtype(), CPU) : IrrepsModuleInputs.DtypeAndDevice(module);
        return () =>
        {
            var batch = generator is null
                ? Random.Shared.Next(1, 5)
                : randint(1, 5, new long[] { 1 }, generator: generator).item<long>();
            return irrepsIn.Select(irreps =>
                randn(new long[] { batch, irreps!.Dim }, dtype, device, generator: generator)).ToArray();
        };
    }
}
