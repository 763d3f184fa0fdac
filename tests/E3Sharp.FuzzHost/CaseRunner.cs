using E3Sharp.Jit;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.FuzzHost;

/// <summary>
/// Fuzz cases: case <c>i</c> of a seed runs random inputs against module <c>i / InputsPerModule</c> (random kind,
/// irreps, instructions, weights sharing), eager and compiled. Inputs: random batch shapes (none, empty, one or two
/// dimensions, broadcasting), and with some probability a wrong last dimension, batch dimensions that do not broadcast,
/// a zero-dimensional tensor, another dtype (float64, int64), NaN and infinities. Everything follows from (seed, case).
/// </summary>
internal sealed class CaseRunner(int seed)
{
    /// <summary>Input cases per module (a module is compiled once for them).</summary>
    public const int InputsPerModule = 5;

    private const int Kinds = 18;

    private int _moduleIndex = -1;
    private Built? _built;

    private sealed record Built(string Description, nn.Module? Eager, jit.ScriptModule? Compiled, string? Problem,
        Irreps[] Inputs, int ExternalWeights, ScalarType Dtype);

    /// <summary>Runs case <paramref name="i"/>; returns its class and a description (the reproduction).</summary>
    public (string Class, string Detail) Run(int i)
    {
        var m = i / InputsPerModule;
        if (m != _moduleIndex)
        {
            _built?.Eager?.Dispose();
            _built?.Compiled?.Dispose();
            _built = Build(new Random(Mix(seed, m, 17)));
            _moduleIndex = m;
        }

        var b = _built!;
        if (b.Problem is not null)
        {
            // The module could not be constructed or compiled: a managed exception is an allowed outcome.
            return ("refused", $"seed {seed} case {i}: {b.Description}: {b.Problem}");
        }

        using var scope = NewDisposeScope();
        var rng = new Random(Mix(seed, i, 91));
        var (inputs, what) = Inputs(rng, b);
        var detail = $"seed {seed} case {i}: {b.Description} with {what}";
        object? eager = null, compiled = null;
        Exception? eagerError = null, compiledError = null;
        try
        {
            eager = TorchScript.ModuleInvoker.Invoke(b.Eager!, inputs);
        }
        catch (Exception e)
        {
            eagerError = e;
        }

        try
        {
            compiled = b.Compiled!.forward(inputs.Cast<object>().ToArray());
        }
        catch (Exception e)
        {
            compiledError = e;
        }

        return (eagerError, compiledError) switch
        {
            (not null, not null) => ("refused", $"{detail}: {First(eagerError)}"),
            (not null, null) => ("silent", $"{detail}: eager refuses ({First(eagerError)}), compiled accepts"),
            (null, not null) => ("mismatch", $"{detail}: compiled refuses what eager accepts ({First(compiledError)})"),
            _ => Compare(eager, compiled) is { } diff ? ("mismatch", $"{detail}: {diff}") : ("equal", detail),
        };
    }

    // A fixed mix (FNV-1a) of the case coordinates: HashCode.Combine is seeded per process, so a case re-run in another
    // process (the reproduction) would be another case.
    private static int Mix(int a, int b, int c)
    {
        unchecked
        {
            var h = 14695981039346656037UL;
            foreach (var v in new[] { a, b, c })
            {
                h = (h ^ (uint)v) * 1099511628211UL;
            }

            return (int)(h ^ (h >> 32));
        }
    }

    private static string First(Exception e) => e.GetType().Name + ": " + e.Message.Split('\n')[0];

    private static Irreps RandomIrreps(Random rng, int maxL = 2, int maxEntries = 3, bool scalarsOnly = false)
    {
        var n = 1 + rng.Next(maxEntries);
        var parts = new List<string>();
        for (var k = 0; k < n; k++)
        {
            var l = scalarsOnly ? 0 : rng.Next(maxL + 1);
            var p = scalarsOnly ? 'e' : rng.Next(2) == 0 ? 'e' : 'o';
            parts.Add($"{1 + rng.Next(3)}x{l}{p}");
        }

        return new Irreps(string.Join("+", parts));
    }

    private static nn.Module<Tensor, Tensor> RandomAct(Random rng) => rng.Next(4) switch
    {
        0 => nn.SiLU(),
        1 => nn.Tanh(),
        2 => nn.Sigmoid(),
        _ => new E3Sharp.Nn.Abs(),
    };

    private static Built Build(Random rng)
    {
        var kind = rng.Next(Kinds);
        var a = RandomIrreps(rng);
        var b = RandomIrreps(rng);
        var o = RandomIrreps(rng);
        // Modules that take a dtype are built in float64 a quarter of the time (inputs then default to float64).
        var dt = rng.Next(4) == 0 ? ScalarType.Float64 : ScalarType.Float32;
        string description = $"kind {kind}";
        nn.Module? module = null;
        Irreps[] inputs = [];
        var external = 0;
        try
        {
            switch (kind)
            {
                case 0:
                    description = $"FullyConnectedTensorProduct(\"{a}\", \"{b}\", \"{o}\", dtype: {dt})";
                    module = new FullyConnectedTensorProduct(a, b, o, dtype: dt);
                    inputs = [a, b];
                    break;
                case 1:
                {
                    description = $"FullyConnectedTensorProduct(\"{a}\", \"{b}\", \"{o}\", sharedWeights: false)";
                    var tp = new FullyConnectedTensorProduct(a, b, o, sharedWeights: false);
                    module = tp;
                    inputs = [a, b];
                    external = tp.WeightNumel;
                    break;
                }

                case 2:
                {
                    var b2 = new Irreps(string.Join("+", a.Select(mi => $"{mi.Mul}x{rng.Next(3)}{(rng.Next(2) == 0 ? 'e' : 'o')}")));
                    description = $"ElementwiseTensorProduct(\"{a}\", \"{b2}\")";
                    module = new ElementwiseTensorProduct(a, b2);
                    inputs = [a, b2];
                    break;
                }

                case 3:
                    description = $"FullTensorProduct(\"{a}\", \"{b}\")";
                    module = new FullTensorProduct(a, b);
                    inputs = [a, b];
                    break;
                case 4:
                    description = $"TensorSquare(\"{a}\")";
                    module = new TensorSquare(a);
                    inputs = [a];
                    break;
                case 5:
                {
                    var biases = rng.Next(2) == 0;
                    description = $"Linear(\"{a}\", \"{o}\", biases: {biases}, dtype: {dt})";
                    module = new Linear(a, o, biases: biases, dtype: dt);
                    inputs = [a];
                    break;
                }

                case 6:
                {
                    description = $"Linear(\"{a}\", \"{o}\", sharedWeights: false, internalWeights: false)";
                    var lin = new Linear(a, o, sharedWeights: false, internalWeights: false);
                    module = lin;
                    inputs = [a];
                    external = lin.WeightNumel;
                    break;
                }

                case 7:
                    description = $"Norm(\"{a}\", dtype: {dt})";
                    module = new Norm(a, dtype: dt);
                    inputs = [a];
                    break;
                case 8:
                {
                    var scalars = RandomIrreps(rng, scalarsOnly: true);
                    var gated = RandomIrreps(rng, maxEntries: 2);
                    var gates = new Irreps($"{gated.Sum(mi => mi.Mul)}x0e");
                    var actS = scalars.Select(_ => (nn.Module<Tensor, Tensor>?)RandomAct(rng)).ToArray();
                    description = $"Gate(\"{scalars}\", [..{actS.Length} acts], \"{gates}\", [sigmoid], \"{gated}\")";
                    var g = new Gate(scalars, actS, gates, [nn.Sigmoid()], gated);
                    module = g;
                    inputs = [g.IrrepsIn[0]];
                    break;
                }

                case 9:
                {
                    description = $"Extract(\"{a}\", [\"{a[0]}\"], [[0]])";
                    module = new Extract(a, [new Irreps(a[0].ToString())], [new[] { 0 }]);
                    inputs = [a];
                    break;
                }

                case 10:
                {
                    var lmax = rng.Next(4);
                    var normalize = rng.Next(2) == 0;
                    description = $"SphericalHarmonics.ForLmax({lmax}, {normalize})";
                    module = SphericalHarmonics.ForLmax(lmax, normalize);
                    inputs = [new Irreps("1x1o")];
                    break;
                }

                case 11:
                {
                    var s = RandomIrreps(rng, scalarsOnly: true);
                    var acts = s.Select(_ => (nn.Module<Tensor, Tensor>?)RandomAct(rng)).ToArray();
                    description = $"Activation(\"{s}\", [..{acts.Length} acts])";
                    module = new Activation(s, acts);
                    inputs = [s];
                    break;
                }

                case 13:
                {
                    var hs = Enumerable.Range(0, 2 + rng.Next(3)).Select(_ => 1 + rng.Next(6)).ToArray();
                    var act = rng.Next(3) == 0 ? null : RandomAct(rng);
                    var outAct = rng.Next(2) == 0;
                    description = $"FullyConnectedNet([{string.Join(", ", hs)}], {act?.GetName() ?? "null"}, outAct: {outAct}, dtype: {dt})";
                    module = new FullyConnectedNet(hs, act, outAct: outAct, dtype: dt);
                    inputs = [new Irreps($"{hs[0]}x0e")];
                    break;
                }

                case 14:
                {
                    var normalize = rng.Next(2) == 0;
                    var bias = rng.Next(2) == 0;
                    var act = RandomAct(rng);
                    description = $"NormActivation(\"{a}\", {act.GetName()}, normalize: {normalize}, bias: {bias}, dtype: {dt})";
                    module = new NormActivation(a, act, normalize: normalize, bias: bias, dtype: dt);
                    inputs = [a];
                    break;
                }

                case 15:
                    description = $"Identity(\"{a}\", \"{a}\")";
                    module = new Identity(a, a);
                    inputs = [a.Simplify()];
                    break;
                case 16:
                {
                    var bases = E3nnMath.Bases;
                    var basis = bases[rng.Next(bases.Count)];
                    var number = 1 + rng.Next(6);
                    var cutoff = rng.Next(2) == 0;
                    var (start, end) = (rng.Next(3) - 1.0, 1.0 + rng.Next(4));
                    description = $"SoftOneHotLinspace({start}, {end}, {number}, \"{basis}\", cutoff: {cutoff})";
                    module = new SoftOneHotLinspace(start, end, number, basis, cutoff);
                    inputs = [new Irreps("1x0e")];   // any shape: the generator's shapes are all allowed
                    break;
                }

                case 17:
                    description = "SoftUnitStep()";
                    module = new SoftUnitStep();
                    inputs = [new Irreps("1x0e")];
                    break;
                default:
                {
                    // A TensorProduct with random allowed instructions of random modes.
                    var modes = new[] { "uvw", "uvu", "uvv", "uuw", "uuu", "uvuv" };
                    var ins = new List<Instruction>();
                    for (var i1 = 0; i1 < a.Length; i1++)
                    {
                        for (var i2 = 0; i2 < b.Length; i2++)
                        {
                            for (var io = 0; io < o.Length; io++)
                            {
                                var (l1, l2, lo) = (a[i1].Ir.L, b[i2].Ir.L, o[io].Ir.L);
                                if (Math.Abs(l1 - l2) <= lo && lo <= l1 + l2 && a[i1].Ir.P * b[i2].Ir.P == o[io].Ir.P && rng.Next(2) == 0)
                                {
                                    var mode = modes[rng.Next(modes.Length)];
                                    ins.Add(new Instruction(i1, i2, io, mode, mode is "uvw" or "uvu" or "uvv" or "uuw" || rng.Next(2) == 0));
                                }
                            }
                        }
                    }

                    description = $"TensorProduct(\"{a}\", \"{b}\", \"{o}\", [{string.Join(", ", ins.Select(x => $"({x.IIn1}, {x.IIn2}, {x.IOut}, {x.ConnectionMode}, {x.HasWeight})"))}])";
                    module = new TensorProduct(a, b, o, ins);
                    inputs = [a, b];
                    break;
                }
            }
        }
        catch (Exception e)
        {
            module?.Dispose();
            return new Built(description, null, null, "construction: " + First(e), inputs, external, ScalarType.Float32);
        }

        try
        {
            var compiled = TorchScript.Compile(module);
            var moduleDtype = kind is 0 or 5 or 7 or 13 or 14 ? dt : ScalarType.Float32;
            return new Built(description, module, compiled, null, inputs, external, moduleDtype);
        }
        catch (Exception e)
        {
            module.Dispose();
            return new Built(description, null, null, "compile: " + First(e), inputs, external, ScalarType.Float32);
        }
    }

    private static (Tensor[] Inputs, string What) Inputs(Random rng, Built b)
    {
        long Size() => rng.Next(6) switch { 0 => 0, 1 => 1, _ => 2 + rng.Next(3) };
        var rank = rng.Next(4) == 0 ? 0 : 1 + rng.Next(2);
        var batch = Enumerable.Range(0, rank).Select(_ => Size()).ToArray();
        var dims = b.Inputs.Select(ir => (long)ir.Dim).ToList();
        if (b.ExternalWeights > 0)
        {
            dims.Add(b.ExternalWeights);
        }

        var tensors = new Tensor[dims.Count];
        var notes = new List<string>();
        for (var k = 0; k < dims.Count; k++)
        {
            var shape = batch.Append(dims[k]).ToArray();
            var r = rng.NextDouble();
            if (r < 0.12)
            {
                shape[^1] = Math.Max(0, dims[k] + (rng.Next(2) == 0 ? -1 : 1 + rng.Next(8)));
                notes.Add($"wrong last dim {k}");
            }
            else if (r < 0.24 && shape.Length > 1)
            {
                shape[0] += 1 + rng.Next(2);
                notes.Add($"batch mismatch {k}");
            }
            else if (r < 0.32 && shape.Length > 1)
            {
                shape[0] = 1;
                notes.Add($"broadcast {k}");
            }
            else if (r < 0.38)
            {
                shape = rng.Next(2) == 0 ? [] : [rng.Next(2), 3, .. shape];
                notes.Add($"rank {shape.Length} {k}");
            }
            else if (r < 0.44)
            {
                shape = [shape[^1]];
                notes.Add($"no batch {k}");
            }

            var other = b.Dtype == ScalarType.Float64 ? float32 : float64;
            var dtype = rng.Next(12) switch { 0 => other, 1 => int64, _ => b.Dtype };
            if (dtype != b.Dtype)
            {
                notes.Add($"{dtype} {k}");
            }

            var g = new Generator((ulong)rng.Next());
            var t = dtype == int64 ? randint(-3, 3, shape, generator: g) : randn(shape, dtype: dtype, generator: g);
            if (dtype != int64 && t.numel() > 0 && rng.Next(8) == 0)
            {
                var flat = t.view(-1);
                var special = rng.Next(3) switch { 0 => double.NaN, 1 => double.PositiveInfinity, _ => double.NegativeInfinity };
                flat[rng.Next((int)flat.numel())] = special;
                notes.Add($"{special} in {k}");
            }

            tensors[k] = t;
        }

        var shapes = string.Join(", ", tensors.Select(t => $"[{string.Join(", ", t.shape)}] {t.dtype}"));
        return (tensors, $"inputs {shapes}" + (notes.Count > 0 ? $" ({string.Join("; ", notes)})" : ""));
    }

    // Equal: same structure, shapes, dtypes; non-finite entries at the same places; finite ones within tolerance.
    private static string? Compare(object? eager, object? compiled)
    {
        var e = Flatten(eager);
        var c = Flatten(compiled);
        if (e.Count != c.Count)
        {
            return $"eager returns {e.Count} tensors, compiled {c.Count}";
        }

        for (var i = 0; i < e.Count; i++)
        {
            if (!e[i].shape.SequenceEqual(c[i].shape) || e[i].dtype != c[i].dtype)
            {
                return $"output {i}: eager [{string.Join(", ", e[i].shape)}] {e[i].dtype}, compiled [{string.Join(", ", c[i].shape)}] {c[i].dtype}";
            }

            if (e[i].numel() == 0)
            {
                continue;
            }

            using var noGrad = no_grad();
            var a = e[i].detach().to(float64);
            var d = c[i].detach().to(float64);
            var fa = a.isfinite();
            if (!fa.eq(d.isfinite()).all().item<bool>())
            {
                return $"output {i}: non-finite entries differ";
            }

            var scale = a.masked_fill(fa.logical_not(), 0).abs().max().item<double>();
            var diff = (a - d).masked_fill(fa.logical_not(), 0).abs().max().item<double>();
            var tol = e[i].dtype == float64 ? 1e-9 * (1 + scale) : 1e-4 * (1 + scale);
            if (diff > tol)
            {
                return $"output {i}: differs by {diff:G3} (tolerance {tol:G2})";
            }
        }

        return null;
    }

    private static List<Tensor> Flatten(object? o) => o switch
    {
        Tensor t => [t],
        IEnumerable<Tensor> ts => ts.ToList(),
        _ => [],
    };
}
