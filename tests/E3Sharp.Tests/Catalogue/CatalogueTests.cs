using E3Sharp.Jit;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Catalogue;

/// <summary>
/// The module catalogue × runners: every registered module (<see cref="ModuleCatalogue"/>) against e3nn's numbers,
/// for equivariance, gradients and bad inputs, run eagerly, compiled, compiled then saved and loaded, and (through the
/// archives recorded for tests/interop/run_interop.py) in PyTorch 1.13.
/// </summary>
public class CatalogueTests
{
    private static readonly ScalarType[] BothDtypes = [ScalarType.Float32, ScalarType.Float64];

    private static IEnumerable<(ModuleKind Kind, Variant Variant)> Variants(Func<ModuleKind, bool> applies) =>
        ModuleCatalogue.Kinds.Where(applies).SelectMany(k => k.Variants.Select(v => (k, v)));

    public static IEnumerable<object[]> ReferenceRows() =>
        from k in ModuleCatalogue.Kinds
        from r in k.References
        from d in r.Dtypes ?? BothDtypes
        from runner in Runners.All
        select new object[] { $"{k.Name}/{r.Name}", d, runner };

    public static IEnumerable<object[]> EquivarianceRows() =>
        from kv in Variants(k => k.NotEquivariant is null)
        from d in BothDtypes
        from runner in Runners.All
        select new object[] { $"{kv.Kind.Name}/{kv.Variant.Name}", d, runner };

    public static IEnumerable<object[]> GradientRows() =>
        from kv in Variants(k => k.NoGradient is null)
        from runner in Runners.All
        select new object[] { $"{kv.Kind.Name}/{kv.Variant.Name}", runner };

    public static IEnumerable<object[]> BadInputRows() =>
        from kv in Variants(k => k.NoBadInput is null)
        from runner in Runners.All
        select new object[] { $"{kv.Kind.Name}/{kv.Variant.Name}", runner };

    [Fact]
    public void EveryPublicModuleTypeIsInTheCatalogue()
    {
        var registered = ModuleCatalogue.Kinds.Select(k => k.Type).ToList();
        Assert.Equal(registered.Count, registered.Distinct().Count());
        var modules = typeof(Irreps).Assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && typeof(nn.Module).IsAssignableFrom(t))
            .ToList();
        var missing = modules.Except(registered).Select(t => t.FullName).Order().ToList();
        Assert.True(missing.Count == 0,
            $"public module types without a catalogue entry (register them in tests/E3Sharp.Tests/Catalogue/" +
            $"ModuleCatalogue.cs, see CONTRIBUTING.md): {string.Join(", ", missing)}");
        Assert.All(registered, t => Assert.Contains(t, modules));
        Assert.All(ModuleCatalogue.Kinds, k =>
        {
            Assert.NotEmpty(k.Variants);
            Assert.Equal(k.Variants.Count, k.Variants.Select(v => v.Name).Distinct().Count());
        });
        // Each check runs on most kinds; an exemption is the exception and says why.
        Assert.True(ModuleCatalogue.Kinds.Count(k => k.NotEquivariant is null) >= 18);
        Assert.True(ModuleCatalogue.Kinds.Count(k => k.NoGradient is null) >= 20);
        Assert.True(ModuleCatalogue.Kinds.Count(k => k.NoBadInput is null) >= 20);
    }

    [Fact]
    public void EveryVariantBuildsItsTypeInBothDtypes()
    {
        foreach (var (kind, variant) in Variants(_ => true))
        {
            foreach (var dtype in BothDtypes)
            {
                using var scope = NewDisposeScope();
                var module = ModuleCatalogue.Build(variant, dtype);
                Assert.Equal(kind.Type, module.GetType());
                Assert.NotNull(TorchScript.GetCompileMode(module));
                var inputs = Cast(ModuleCatalogue.Inputs(variant, module, dtype), dtype);
                var outputs = ModuleInvoker.Invoke(module, inputs);
                Assert.NotEmpty(outputs);
                Assert.All(outputs.Where(o => o.is_floating_point()), o => Assert.Equal(dtype, o.dtype));
            }
        }
    }

    [Theory]
    [MemberData(nameof(ReferenceRows))]
    public void MatchesE3nn(string reference, ScalarType dtype, Runner runner)
    {
        using var scope = NewDisposeScope();
        var slash = reference.IndexOf('/', StringComparison.Ordinal);
        var kind = ModuleCatalogue.Kind(reference[..slash]);
        var data = kind.References.Single(r => r.Name == reference[(slash + 1)..]).Load(dtype);
        Assert.Equal(kind.Type, data.Module.GetType());
        var prepared = Runners.Prepare(data.Module, runner, data.Inputs);
        var actual = prepared.Run(data.Inputs);
        Assert.Equal(data.Expected.Length, actual.Length);
        for (var i = 0; i < actual.Length; i++)
        {
            Assert.Equal(dtype, actual[i].dtype);
            AssertClose(data.Expected[i], actual[i], data.Tolerance, $"{reference} {dtype} {runner} output {i}");
        }

        if (runner == Runner.PyTorch)
        {
            Interop.Record(Runners.RecordName("reference", reference, dtype), prepared.Archive!, "forward", data.Inputs,
                data.Expected.Select(e => e.to(dtype)).ToArray(), tolerance: data.Tolerance);
        }
    }

    [Theory]
    [MemberData(nameof(EquivarianceRows))]
    public void IsEquivariant(string id, ScalarType dtype, Runner runner)
    {
        using var scope = NewDisposeScope();
        var (_, variant) = ModuleCatalogue.Find(id);
        var module = ModuleCatalogue.Build(variant, dtype);
        var inputs = Cast(ModuleCatalogue.Inputs(variant, module, dtype), dtype);
        var (irrepsIn, irrepsOut) = ModuleCatalogue.Irreps(variant, module, inputs.Length);
        var prepared = Runners.Prepare(module, runner, inputs);
        var errors = Assertions.AssertEquivariant(prepared.Run, irrepsIn, irrepsOut, () => inputs,
            name: $"{id} ({runner}, {dtype})");
        Assert.Equal(2, errors.Count);
        if (runner != Runner.PyTorch)
        {
            return;
        }

        // PyTorch checks f(D x) = D f(x) for one rotation composed with the inversion: the sidecar holds the rotated
        // inputs and the rotated eager outputs.
        var (alpha, beta, gamma) = Rotations.RandAngles(Array.Empty<long>(), ScalarType.Float64);
        var k = tensor(1.0, ScalarType.Float64);
        Tensor Rotate(Tensor x, Irreps? irreps) => irreps is null || irreps.Dim == 0
            ? x.clone()
            : x.to(ScalarType.Float64).matmul(irreps.D(alpha, beta, gamma, k).to(ScalarType.Float64).transpose(0, 1)).to(x.dtype);
        var rotated = inputs.Select((x, i) => Rotate(x, irrepsIn[i])).ToArray();
        Tensor[] expected;
        using (no_grad())
        {
            expected = ModuleInvoker.Invoke(module, inputs).Select((y, o) => Rotate(y, irrepsOut[o])).ToArray();
        }

        var tolerance = dtype == ScalarType.Float64 ? Assertions.Float64Tolerance : Assertions.Float32Tolerance;
        var reloaded = prepared.Run(rotated);
        for (var o = 0; o < expected.Length; o++)
        {
            AssertClose(expected[o], reloaded[o], tolerance, $"{id} reloaded, rotated output {o}");
        }

        Interop.Record(Runners.RecordName("equivariance", id, dtype), prepared.Archive!, "forward", rotated, expected,
            noGrad: true, tolerance: tolerance);
    }

    [Theory]
    [MemberData(nameof(GradientRows))]
    public void GradientsMatchFiniteDifferences(string id, Runner runner)
    {
        // Autograd through each runner against central differences of the eager module in float64: the gradient of
        // sum(output * P) for a fixed random P, with respect to every floating input.
        using var scope = NewDisposeScope();
        var (_, variant) = ModuleCatalogue.Find(id);
        var module = ModuleCatalogue.Build(variant, ScalarType.Float64);
        var inputs = Cast(ModuleCatalogue.Inputs(variant, module, ScalarType.Float64), ScalarType.Float64);
        var prepared = Runners.Prepare(module, runner, inputs);
        var leaves = inputs.Select(t => t.is_floating_point() ? t.detach().clone().requires_grad_(true) : t).ToArray();
        var outputs = prepared.Run(leaves);
        manual_seed(2);
        var projections = outputs.Select(o => randn_like(o)).ToArray();
        var loss = outputs.Zip(projections, (o, p) => o.mul(p).sum()).Aggregate((a, b) => a.add(b));
        var wrt = Enumerable.Range(0, inputs.Length).Where(i => inputs[i].is_floating_point()).ToArray();
        Assert.NotEmpty(wrt);
        var analytic = autograd.grad([loss], wrt.Select(i => leaves[i]).ToArray());

        double Eval(Tensor[] args)
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            return ModuleInvoker.Invoke(module, args).Zip(projections, (o, p) => o.mul(p).sum().item<double>()).Sum();
        }

        var numeric = new List<Tensor>();
        const double eps = 1e-6;
        for (var n = 0; n < wrt.Length; n++)
        {
            var i = wrt[n];
            var values = inputs[i].detach().contiguous().data<double>().ToArray();
            var fd = new double[values.Length];
            for (var j = 0; j < values.Length; j++)
            {
                double At(double delta)
                {
                    var shifted = (double[])values.Clone();
                    shifted[j] += delta;
                    var args = inputs.ToArray();
                    args[i] = tensor(shifted, inputs[i].shape, ScalarType.Float64);
                    return Eval(args);
                }

                fd[j] = (At(eps) - At(-eps)) / (2 * eps);
            }

            var expected = tensor(fd, inputs[i].shape, ScalarType.Float64);
            numeric.Add(expected);
                        var tolerance = 1e-6 * Math.Max(1.0, MaxAbs(expected));
            AssertClose(expected, analytic[n], tolerance, $"{id} ({runner}): gradient of input {i}");
        }

        if (runner == Runner.PyTorch)
        {
            Interop.Record(Runners.RecordName("gradient", id, ScalarType.Float64), prepared.Archive!, "forward",
                leaves, numeric.ToArray(), gradProjections: projections, tolerance: 1e-6);
        }
    }

    [Theory]
    [MemberData(nameof(BadInputRows))]
    public void BadInputsAreRefusedWithTheModulesMessage(string id, Runner runner)
    {
        using var scope = NewDisposeScope();
        var (kind, variant) = ModuleCatalogue.Find(id);
        var module = ModuleCatalogue.Build(variant, ScalarType.Float32);
        var inputs = Cast(ModuleCatalogue.Inputs(variant, module, ScalarType.Float32), ScalarType.Float32);
        var bad = variant.BadInputs?.Invoke(inputs) ?? WithOneMoreFeature(inputs);
        var eager = Assert.ThrowsAny<ArgumentException>(() => ModuleInvoker.Invoke(module, bad));
        var message = eager.ParamName is null
            ? eager.Message
            : eager.Message.Replace($" (Parameter '{eager.ParamName}')", "", StringComparison.Ordinal);
        // The message starts with the module's description (its ToString), or that of the child that refused.
        var names = new[] { module.ToString()! }.Concat(module.modules().Select(m => m.ToString()!)).Distinct().ToList();
        Assert.True(names.Any(n => message.StartsWith(n, StringComparison.Ordinal)),
            $"{kind.Name}: the message names none of {string.Join(", ", names)}: {message}");
        if (runner == Runner.Eager)
        {
            return;
        }

        // The compiled module refuses with the eager message (TorchScript's raise, inside LibTorch's traceback).
        var prepared = Runners.Prepare(module, runner, inputs);
        var e = Assert.ThrowsAny<Exception>(() => prepared.Run(bad));
        Assert.Contains(message, e.Message);
        if (runner == Runner.PyTorch)
        {
            Interop.Record(Runners.RecordName("bad_input", id, ScalarType.Float32), prepared.Archive!, "forward", bad, [],
                expectError: message);
        }
    }

    private static Tensor[] WithOneMoreFeature(Tensor[] inputs)
    {
        var bad = inputs.ToArray();
        var x = bad[0];
        bad[0] = cat([x, zeros(x.shape.Take((int)x.dim() - 1).Append(1L).ToArray(), x.dtype)], -1);
        return bad;
    }

    private static Tensor[] Cast(Tensor[] inputs, ScalarType dtype) =>
        inputs.Select(t => t.is_floating_point() && t.dtype != dtype ? t.to(dtype) : t).ToArray();
}
