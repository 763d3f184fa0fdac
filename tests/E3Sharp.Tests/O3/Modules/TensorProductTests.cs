using E3Sharp.O3;
using E3Sharp.O3.Modules;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>TensorProduct behaviour per connection mode and normalisation (e3nn's tensor_product_test).</summary>
public class TensorProductTests
{
    public static IEnumerable<object[]> ModeCases() => ModeTensorProducts.Cases();

    public static IEnumerable<object[]> ModeCasesBothDtypes() =>
        ModeTensorProducts.Cases().SelectMany(c => new[]
        {
            c.Append(ScalarType.Float32).ToArray(),
            c.Append(ScalarType.Float64).ToArray(),
        });

    [Theory]
    [MemberData(nameof(ModeCasesBothDtypes))]
    public void EachModeIsEquivariant(string mode, bool weight, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var tp = ModeTensorProducts.Make(mode, weight, dtype);
        var errors = Assertions.AssertEquivariant(tp);
        Assert.Equal(2, errors.Count);
    }

    [Theory]
    [MemberData(nameof(ModeCases))]
    public void EachModeIsBilinearAndRightAgreesWithForward(string mode, bool weight)
    {
        using var scope = NewDisposeScope();
        var tp = ModeTensorProducts.Make(mode, weight, ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var x2 = tp.IrrepsIn1.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var y2 = tp.IrrepsIn2.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var out1 = tp.forward(x, y);
        Assert.True(MaxAbs(out1) > 1e-3, "output should not vanish");
        AssertClose(out1.mul(2).add(tp.forward(x2, y)), tp.forward(x.mul(2).add(x2), y), 1e-10, "linear in x");
        AssertClose(out1.mul(-3).add(tp.forward(x, y2)), tp.forward(x, y.mul(-3).add(y2)), 1e-10, "linear in y");
        var right = tp.Right(y);
        Assert.Equal(new long[] { 5, tp.IrrepsIn1.Dim, tp.IrrepsOut.Dim }, right.shape);
        AssertClose(out1, einsum("zi,zij->zj", x, right), 1e-10, "right");
    }

    [Theory]
    [MemberData(nameof(ModeCases))]
    public void UnsharedWeightsEqualSharedWeightsPerSample(string mode, bool weight)
    {
        using var scope = NewDisposeScope();
        var shared = ModeTensorProducts.Make(mode, weight, ScalarType.Float64);
        var unshared = ModeTensorProducts.Make(mode, weight, ScalarType.Float64, sharedWeights: false);
        Assert.Equal(shared.WeightNumel, unshared.WeightNumel);
        var x = shared.IrrepsIn1.Randn(new long[] { 3, -1 }, ScalarType.Float64, null);
        var y = shared.IrrepsIn2.Randn(new long[] { 3, -1 }, ScalarType.Float64, null);
        var w = randn(new long[] { 3, shared.WeightNumel }, ScalarType.Float64);
        var batched = unshared.forward(x, y, w);
        for (var b = 0; b < 3; b++)
        {
            var single = shared.forward(x[b], y[b], w[b]);
            AssertClose(single, batched[b], 1e-12, $"sample {b}");
        }
        // Equivariance with per-sample weights given through the inputs hook (weights are invariant).
        Assertions.AssertEquivariant(unshared,
            inputs: () => new[]
            {
                shared.IrrepsIn1.Randn(new long[] { 2, -1 }, ScalarType.Float64, null),
                shared.IrrepsIn2.Randn(new long[] { 2, -1 }, ScalarType.Float64, null),
                randn(new long[] { 2, shared.WeightNumel }, ScalarType.Float64),
            },
            irrepsIn: new Irreps?[] { shared.IrrepsIn1, shared.IrrepsIn2, null });
    }

    [Theory]
    [InlineData("component", "element")]
    [InlineData("component", "path")]
    [InlineData("component", "none")]
    [InlineData("norm", "element")]
    [InlineData("norm", "path")]
    [InlineData("norm", "none")]
    [InlineData("none", "element")]
    [InlineData("none", "path")]
    [InlineData("none", "none")]
    public void EachNormalizationIsEquivariantAndHasE3nnPathWeights(string irrepNormalization, string pathNormalization)
    {
        using var scope = NewDisposeScope();
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            var tp = new FullyConnectedTensorProduct("2x0e+3x1o+1x2e", "1x0e+2x1o", "2x0e+2x1o+1x2e", irrepNormalization,
                pathNormalization, dtype: dtype);
            Assertions.AssertEquivariant(tp);
        }
        // Path weights by e3nn's formula: alpha = {component: dim_out, norm: dim1 dim2, none: 1} / x,
        // x = Σ_{paths into i_out} mul1 mul2 (element) or mul1 mul2 · #paths (path) or 1 (none).
        var fc = new FullyConnectedTensorProduct("2x0e+3x1o+1x2e", "1x0e+2x1o", "2x0e+2x1o+1x2e", irrepNormalization,
            pathNormalization, dtype: ScalarType.Float64);
        foreach (var ins in fc.Instructions)
        {
            var (m1, ir1) = fc.IrrepsIn1[ins.IIn1];
            var (m2, ir2) = fc.IrrepsIn2[ins.IIn2];
            var irO = fc.IrrepsOut[ins.IOut].Ir;
            var same = fc.Instructions.Where(i => i.IOut == ins.IOut).ToList();
            double alpha = irrepNormalization switch { "component" => irO.Dim, "norm" => ir1.Dim * ir2.Dim, _ => 1 };
            double x = pathNormalization switch
            {
                "element" => same.Sum(i => fc.IrrepsIn1[i.IIn1].Mul * fc.IrrepsIn2[i.IIn2].Mul),
                "path" => m1 * m2 * same.Count,
                _ => 1,
            };
            Assert.Equal(Math.Sqrt(alpha / x), ins.PathWeight, 12);
        }
    }

    [Theory]
    [InlineData("element")]
    [InlineData("path")]
    public void ComponentNormalizationGivesUnitSecondMoment(string pathNormalization)
    {
        // e3nn's test_normalized (assert_normalized): random weights and unit-variance inputs give <out^2> ≈ 1.
        using var scope = NewDisposeScope();
        manual_seed(1);
        var tp = new FullyConnectedTensorProduct("5x0e+5x1o+5x2e", "5x0e+5x1e+5x2o", "5x0e+5x1o+5x1e+5x2e",
            pathNormalization: pathNormalization, dtype: ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 4000, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 4000, -1 }, ScalarType.Float64, null);
        var sum = zeros(new long[] { tp.IrrepsOut.Dim }, ScalarType.Float64);
        const int draws = 20;
        for (var i = 0; i < draws; i++)
        {
            var w = randn(new long[] { tp.WeightNumel }, ScalarType.Float64);
            sum = sum.add(tp.forward(x, y, w).pow(2).mean(new long[] { 0 }));
        }
        var moments = sum.div(draws);
        foreach (var (slice, mi) in tp.IrrepsOut.Slices().Zip(tp.IrrepsOut))
        {
            var m = moments.narrow(0, slice.Start, slice.Stop - slice.Start).mean().item<double>();
            Assert.True(Math.Abs(m - 1) < 0.25, $"<out^2> of {mi} is {m}, expected about 1");
        }
    }

    [Fact]
    public void ForwardLeavesOnlyItsResultInTheCallersScope()
    {
        // Intermediates die with the call (and, for a batch run in chunks, with each chunk), so a chunk reuses memory
        // still in cache and a caller without a dispose scope holds nothing but the result.
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("4x0e+2x1o", "0e+1o", "4x0e+2x1o", dtype: ScalarType.Float64);
        var rows = tp.BatchChunkRows;
        foreach (var batch in new[] { 3L, 2 * rows + 5 })
        {
            var x = tp.IrrepsIn1.Randn(new long[] { batch, -1 }, ScalarType.Float64, null);
            var y = tp.IrrepsIn2.Randn(new long[] { batch, -1 }, ScalarType.Float64, null);
            var before = scope.DisposablesCount;
            var z = tp.forward(x, y);
            Assert.Equal(before + 1, scope.DisposablesCount);
            Assert.True(scope.Contains(z), $"batch {batch}: the result belongs to the caller's scope");
            Assert.Equal(new[] { batch, tp.IrrepsOut.Dim }, z.shape);
            // Row by row (the chunks must not change the numbers).
            var last = tp.forward(x[batch - 1], y[batch - 1]);
            AssertClose(last, z[batch - 1], 1e-12, $"batch {batch}: last row");
        }
    }

    [Fact]
    public void LeadingDimensionsBroadcast()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 2, 1, 3, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 1, 4, 3, -1 }, ScalarType.Float64, null);
        var z = tp.forward(x, y);
        Assert.Equal(new long[] { 2, 4, 3, 5 }, z.shape);
        var expected = tp.forward(x.expand(2, 4, 3, 5).reshape(-1, 5), y.expand(2, 4, 3, 4).reshape(-1, 4)).reshape(2, 4, 3, 5);
        AssertClose(expected, z, 1e-12, "broadcast");
        // e3nn's test_empty_irreps: empty second input -> zeros of the broadcast shape.
        var empty = new FullyConnectedTensorProduct("0e+1e", "", "0e+1e", dtype: ScalarType.Float64);
        var e = empty.forward(randn(new long[] { 1, 2, 4 }, ScalarType.Float64), randn(new long[] { 2, 1, 0 }, ScalarType.Float64));
        Assert.Equal(new long[] { 2, 2, 4 }, e.shape);
        Assert.Equal(0.0, MaxAbs(e));
        // e3nn's test_empty_inputs: zero-size batch dimensions broadcast too.
        var zeroBatch = tp.forward(randn(new long[] { 2, 1, 0, 1, 5 }, ScalarType.Float64), randn(new long[] { 1, 2, 0, 3, 4 }, ScalarType.Float64));
        Assert.Equal(new long[] { 2, 2, 0, 3, 5 }, zeroBatch.shape);
        // Unshared weights broadcast with the inputs.
        var un = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", sharedWeights: false, dtype: ScalarType.Float64);
        var ux = un.IrrepsIn1.Randn(new long[] { 2, 1, -1 }, ScalarType.Float64, null);
        var uy = un.IrrepsIn2.Randn(new long[] { 2, 3, -1 }, ScalarType.Float64, null);
        var uw = randn(new long[] { 3, un.WeightNumel }, ScalarType.Float64);
        var uz = un.forward(ux, uy, uw);
        Assert.Equal(new long[] { 2, 3, 5 }, uz.shape);
        for (var i = 0; i < 2; i++)
        {
            for (var j = 0; j < 3; j++)
            {
                AssertClose(tp.forward(ux[i, 0], uy[i, j], uw[j]), uz[i, j], 1e-12, $"unshared broadcast {i},{j}");
            }
        }
    }

    [Fact]
    public void UnreachedOutputIsZeroAndMasked()
    {
        using var scope = NewDisposeScope();
        // e3nn's test_single_out: an output irrep no path reaches is zero; the rest equals the smaller product.
        var tp1 = new TensorProduct("5x0e", "5x0e", "1x1e+5x0e", new[] { new Instruction(0, 0, 1, "uvw", true) },
            dtype: ScalarType.Float64);
        var tp2 = new TensorProduct("5x0e", "5x0e", "5x0e", new[] { new Instruction(0, 0, 0, "uvw", true) },
            dtype: ScalarType.Float64);
        Assign(tp2.Weight, tp1.Weight);
        var x = randn(new long[] { 3, 5 }, ScalarType.Float64);
        var y = randn(new long[] { 3, 5 }, ScalarType.Float64);
        var out1 = tp1.forward(x, y);
        Assert.Equal(0.0, MaxAbs(out1.narrow(-1, 0, 3)));
        AssertClose(tp2.forward(x, y), out1.narrow(-1, 3, 5), 1e-12, "single out");
        Assert.Equal(new double[] { 0, 0, 0, 1, 1, 1, 1, 1 }, tp1.OutputMask.data<double>().ToArray());
        // e3nn's test_empty: zero multiplicities give zeros and right() runs.
        var empty = new TensorProduct("0x0e+1e+2e", "0e+1e+2e", "0x0e+1e",
            new[] { new Instruction(0, 0, 0, "uvw", true), new Instruction(1, 1, 1, "uvw", true) }, dtype: ScalarType.Float64);
        var ex = empty.IrrepsIn1.Randn(new long[] { 2, -1 }, ScalarType.Float64, null);
        var ey = empty.IrrepsIn2.Randn(new long[] { 2, -1 }, ScalarType.Float64, null);
        Assert.Equal(new long[] { 2, 3 }, empty.forward(ex, ey).shape);
        Assert.Equal(new long[] { 2, 8, 3 }, empty.Right(ey).shape);
    }

    [Fact]
    public void WeightViewsZeroTheirOutputs()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 3, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 3, -1 }, ScalarType.Float64, null);
        Assert.Equal(new long[] { 2, 1, 2 }, tp.WeightView(0).shape);
        using (no_grad())
        {
            // Paths into output 1 (1x1o) are instructions 1 and 2.
            tp.WeightView(1).zero_();
            tp.WeightView(2).zero_();
        }
        var z = tp.forward(x, y);
        Assert.Equal(0.0, MaxAbs(z.narrow(-1, 2, 3)));
        Assert.True(MaxAbs(z.narrow(-1, 0, 2)) > 0);
    }

    [Fact]
    public void FullyConnectedNormalizationIsIndependentOfSplittingMultiplicities()
    {
        // e3nn's test_fully_connected_normalization: "10x0e" and "3x0e+7x0e" with unit weights give equal outputs.
        using var scope = NewDisposeScope();
        var a = new FullyConnectedTensorProduct("10x0e", "10x0e", "0e", dtype: ScalarType.Float64);
        var b = new FullyConnectedTensorProduct("3x0e+7x0e", "10x0e", "0e", dtype: ScalarType.Float64);
        Assign(a.Weight, ones_like(a.Weight));
        Assign(b.Weight, ones_like(b.Weight));
        var x = randn(new long[] { 4, 10 }, ScalarType.Float64);
        var y = randn(new long[] { 4, 10 }, ScalarType.Float64);
        AssertClose(a.forward(x, y), b.forward(x, y), 1e-12, "split");
    }

    [Fact]
    public void SubclassesBuildE3nnIrrepsAndAreEquivariant()
    {
        using var scope = NewDisposeScope();
        var ew = new ElementwiseTensorProduct("5x1o + 5x1e", "10x1e", new Irrep[] { "0e", "0o" });
        Assert.Equal("ElementwiseTensorProduct(5x1o+5x1e x 10x1e -> 5x0o+5x0e | 10 paths | 0 weights)", ew.ToString());
        foreach (var dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            Assertions.AssertEquivariant(new ElementwiseTensorProduct("2x0e+3x1o+1x2e", "3x1e+3x0o", dtype: dtype));
            var full = new FullTensorProduct("2x0e+1x1o+1x2e", "1x1o+2x0e", dtype: dtype);
            Assert.Equal(full.IrrepsOut, full.IrrepsOut.Sort().Irreps);
            Assertions.AssertEquivariant(full);
            Assertions.AssertEquivariant(new TensorSquare("3x0e+2x1o+1x2e", dtype: dtype));
            Assertions.AssertEquivariant(new TensorSquare("3x0e+2x1o+1x2e", "2x0e+2x1e+1x2e", dtype: dtype));
            Assertions.AssertEquivariant(new TensorSquare("2x1o", irrepNormalization: "norm", dtype: dtype));
        }
        // e3nn's test_square_elasticity_tensor.
        var once = new TensorSquare("1o");
        Assert.Equal(new Irreps("2x0e+2x2e+4e"), new TensorSquare(once.IrrepsOut).IrrepsOut.Simplify());
        var fc = new FullyConnectedTensorProduct("2x0e+1x1o", "1x1o", "3x1o+1x2e");
        Assert.Equal(new[] { "uvw" }, fc.Instructions.Select(i => i.ConnectionMode).Distinct());
    }

    [Fact]
    public void TensorSquareEqualsTensorProductWithItself()
    {
        using var scope = NewDisposeScope();
        var sq = new TensorSquare("2x0e+3x1o", "2x0e+1x1e+2x2e", dtype: ScalarType.Float64);
        var x = sq.IrrepsIn1.Randn(new long[] { 4, -1 }, ScalarType.Float64, null);
        AssertClose(sq.forward(x, x, null), sq.forward(x), 0, "square");
        Assert.Single(sq.IrrepsIn);
        // Symmetric: x ⊗ x only sees the symmetric part, so u<vw with swapped u,v equals the same output.
        var noWeights = new TensorSquare("3x1o", dtype: ScalarType.Float64);
        Assert.Equal(0, noWeights.WeightNumel);
        Assert.Equal(new long[] { 4, noWeights.IrrepsOut.Dim }, noWeights.forward(noWeights.IrrepsIn1.Randn(new long[] { 4, -1 }, ScalarType.Float64, null)).shape);
    }

    [Theory]
    [InlineData("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e", true)] // one group; the scalar output padded
    [InlineData("4x0e+3x1o+3x2e", "0e+1o+2e", "2x0e+2x1o+2x2e", true)]       // two groups, padding
    [InlineData("8x0e+4x1o+2x2e", "0e+1o", "8x0e+4x1o+2x2e", false)]         // outputs of different multiplicities
    [InlineData("32x0e+32x1o", "1o", "32x0e+32x1o+32x2e", true)]             // 1o only from the scalar (scalar-first)
    [InlineData("32x0e+32x1o+32x2e", "2x0e+1o+2e", "32x0e+32x1o+32x2e", true)] // scalar-first R = 2 (0e) and R = 1
    public void WithoutAutogradTheMergedEvaluationGivesTheSameNumbers(string in1, string in2, string outIrreps, bool merged)
    {
        using var scope = NewDisposeScope();
        manual_seed(31);
        var tp = new FullyConnectedTensorProduct(in1, in2, outIrreps, dtype: ScalarType.Float64);
        var compiled = E3Sharp.Jit.TorchScript.Compile(tp);
        var code = string.Join("\n", E3Sharp.Jit.Serialization.TorchScriptArchiveReader.Read(
            E3Sharp.Jit.Serialization.TorchScriptArchive.SaveToBytes(compiled)).Code.Values);
        // A mergeable product is traced once per grad mode; the one without autograd is chunked too.
        Assert.Equal(merged, code.Contains("def forward_rows_parts_no_grad(", StringComparison.Ordinal));
        Assert.Equal(merged, code.Contains("def forward_no_grad(", StringComparison.Ordinal));
        // The trace with autograd is not chunked (ChunkRule: chunks only without autograd).
        Assert.Equal(merged, code.Contains("def forward_grad(", StringComparison.Ordinal));
        Assert.DoesNotContain("def forward_rows_grad(", code);
        Assert.DoesNotContain("def forward_rows_parts_grad(", code);
        foreach (var n in new[] { 5L, 2 * tp.BatchChunkRows + 7 })
        {
            var x = tp.IrrepsIn1.Randn(new long[] { n, -1 }, ScalarType.Float64, null);
            var y = tp.IrrepsIn2.Randn(new long[] { n, -1 }, ScalarType.Float64, null);
            var withGrad = tp.forward(x, y);
            Assert.True(withGrad.requires_grad);
            Tensor eager, direct;
            using (no_grad())
            {
                eager = tp.forward(x, y);
                direct = (Tensor)compiled.forward(x, y)!;
            }
            AssertClose(withGrad, eager, 1e-12, $"eager without autograd, batch {n}");
            AssertClose(withGrad, direct, 1e-12, $"compiled without autograd, batch {n}");
            AssertClose(withGrad, (Tensor)compiled.forward(x, y)!, 1e-12, $"compiled with autograd, batch {n}");
            if (merged && n > 5 && in1.StartsWith("32x", StringComparison.Ordinal))
            {
                Interop.Record("tp_merged_no_grad", E3Sharp.Jit.Serialization.TorchScriptArchive.SaveToBytes(compiled),
                    "forward", [x, y], [direct], noGrad: true);
            }
        }
    }

    [Theory]
    [InlineData("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o")]             // small: one fused group
    [InlineData("4x0e+3x1o+3x2e", "0e+1o+2e", "2x0e+2x1o+2x2e")]     // mixed multiplicities: several fused groups
    [InlineData("2x1o+1x2e", "40x1o", "2x1e+1x2o")]                 // large second input: per-path evaluation
    [InlineData("3x0e", "2x1o+0e", "3x1o+3x0e")]                     // only scalar-first paths; R = 2 rows
    [InlineData("32x0e+32x1o+32x2e", "2x0e+1o+2e", "32x0e+16x1o+8x2e")] // scalar-first R = 2 and R = 1, unequal w
    [InlineData("4x0e+4x1o", "2x0e+1o", "3x0e+3x1o")]                // small: scalar in the operator (no scalar-first)
    [InlineData("3x0e+3x0o+3x1o", "0e+1o", "2x0e+2x0o+2x1o+2x1e")]   // two scalar irreps: all dense
    public void FullyConnectedMatchesDenseEinsumReference(string in1, string in2, string outIrreps)
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct(in1, in2, outIrreps, dtype: ScalarType.Float64);
        var x = tp.IrrepsIn1.Randn(new long[] { 3, -1 }, ScalarType.Float64, null);
        var y = tp.IrrepsIn2.Randn(new long[] { 3, -1 }, ScalarType.Float64, null);
        var s1 = tp.IrrepsIn1.Slices();
        var s2 = tp.IrrepsIn2.Slices();
        var so = tp.IrrepsOut.Slices();
        var expected = zeros(new long[] { 3, tp.IrrepsOut.Dim }, ScalarType.Float64);
        var offset = 0;
        foreach (var ins in tp.Instructions)
        {
            var (m1, ir1) = tp.IrrepsIn1[ins.IIn1];
            var (m2, ir2) = tp.IrrepsIn2[ins.IIn2];
            var (mo, irO) = tp.IrrepsOut[ins.IOut];
            var w = tp.Weight.detach().narrow(0, offset, m1 * m2 * mo).reshape(m1, m2, mo);
            offset += m1 * m2 * mo;
            var c = E3Sharp.O3.Wigner.Wigner3j(ir1.L, ir2.L, irO.L, ScalarType.Float64);
            var x1 = x.narrow(1, s1[ins.IIn1].Start, m1 * ir1.Dim).reshape(3, m1, ir1.Dim);
            var x2 = y.narrow(1, s2[ins.IIn2].Start, m2 * ir2.Dim).reshape(3, m2, ir2.Dim);
            var contribution = einsum("uvw,ijk,zui,zvj->zwk", w, c, x1, x2).mul(ins.PathWeight).reshape(3, mo * irO.Dim);
            var target = expected.narrow(1, so[ins.IOut].Start, mo * irO.Dim);
            target.add_(contribution);
        }
        AssertClose(expected, tp.forward(x, y), 1e-12, "dense einsum");

        // float32 permutes the fused outputs to e3nn's layout with one gather (float64 transposes each): same numbers.
        tp.to(ScalarType.Float32);
        var out32 = tp.forward(x.to(ScalarType.Float32), y.to(ScalarType.Float32));
        AssertClose(expected.to(ScalarType.Float32), out32, 2e-5, "dense einsum, float32");
        // (Which outputs are component-major and gathered: TensorProductPlanTests.)
        var compiled = E3Sharp.Jit.TorchScript.Compile(tp);
        AssertClose(out32, (Tensor)compiled.forward(x.to(ScalarType.Float32), y.to(ScalarType.Float32))!, 1e-6, "compiled, float32");
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void ScalarFirstPathsTakePerSampleWeightsAndAgreeWithRight(ScalarType dtype)
    {
        // 0e x 2x0e -> 0e and 0e x 1o -> 1o are mixed with their weights before the CG contraction (scalar-first);
        // per-sample weights, Right and the gradients go through the same terms.
        using var scope = NewDisposeScope();
        manual_seed(5);
        var shared = new FullyConnectedTensorProduct("4x0e+2x1o", "2x0e+1o", "3x0e+3x1o", dtype: dtype);
        var unshared = new FullyConnectedTensorProduct("4x0e+2x1o", "2x0e+1o", "3x0e+3x1o", sharedWeights: false, dtype: dtype);
        var tol = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        var x = shared.IrrepsIn1.Randn(new long[] { 3, -1 }, dtype, null);
        var y = shared.IrrepsIn2.Randn(new long[] { 3, -1 }, dtype, null);
        var w = randn(new long[] { 3, shared.WeightNumel }, dtype);
        var batched = unshared.forward(x, y, w);
        for (var b = 0; b < 3; b++)
        {
            AssertClose(shared.forward(x[b], y[b], w[b]), batched[b], tol, $"sample {b}");
        }
        var right = unshared.Right(y, w);
        AssertClose(batched, einsum("zi,zij->zj", x, right), tol, "right, per-sample weights");
        AssertClose(shared.forward(x, y), einsum("zi,zij->zj", x, shared.Right(y)), tol, "right, shared weights");

        // Gradients with respect to every input against float64 finite differences of the same module.
        var x64 = x.to(ScalarType.Float64).requires_grad_(true);
        var y64 = y.to(ScalarType.Float64).requires_grad_(true);
        var w64 = w.to(ScalarType.Float64).requires_grad_(true);
        unshared.to(ScalarType.Float64);
        var grads = autograd.grad(new[] { unshared.forward(x64, y64, w64).square().sum() }, new[] { x64, y64, w64 });
        foreach (var (input, grad, name) in new[] { (x64, grads[0], "x"), (y64, grads[1], "y"), (w64, grads[2], "weight") })
        {
            using var noGrad = no_grad();
            var flat = input.flatten();
            foreach (var i in new long[] { 0, 3, flat.shape[0] - 1 })
            {
                var saved = flat[i].item<double>();
                flat[i] = saved + 1e-6;
                var up = unshared.forward(x64, y64, w64).square().sum().item<double>();
                flat[i] = saved - 1e-6;
                var down = unshared.forward(x64, y64, w64).square().sum().item<double>();
                flat[i] = saved;
                Assert.Equal((up - down) / 2e-6, grad.flatten()[i].item<double>(), 5);
            }
        }
    }

    [Fact]
    public void EagerForwardChunksSeveralBatchDimensionsAsRows()
    {
        // [B, N, dim] inputs are rows for the eager chunking too (as the compiled forward flattens them): more than
        // twice BatchChunkRows of them run in chunks and give the numbers of the same rows as one 2-D batch.
        using var scope = NewDisposeScope();
        manual_seed(8);
        var tp = new FullyConnectedTensorProduct("8x0e+8x1o", "0e+1o", "8x0e+8x1o");
        var n = 2 * tp.BatchChunkRows / 3 + 5;
        var x = tp.IrrepsIn1.Randn(new long[] { 3, n, -1 }).requires_grad_(true);
        var y = tp.IrrepsIn2.Randn(new long[] { 3, n, -1 });
        // Chunks only without autograd.
        Assert.Null(E3Sharp.Jit.BatchChunks.Split(tp, x, y, tp.Weight));
        using (no_grad())
        {
            Assert.NotNull(E3Sharp.Jit.BatchChunks.Split(tp, x, y, tp.Weight));
            var chunked = tp.forward(x, y);
            Assert.Equal(new long[] { 3, n, tp.IrrepsOut.Dim }, chunked.shape);
            var rows = tp.forward(x.detach().flatten(0, 1), y.flatten(0, 1));
            AssertClose(rows.reshape(3, n, -1), chunked, 0, "chunked [B, N, dim]: the numbers of the same rows in 2-D");
        }

        var nd = tp.forward(x, y);
        var g = autograd.grad(new[] { nd.square().sum() }, new[] { x })[0];
        var x2 = x.detach().flatten(0, 1).requires_grad_(true);
        var g2 = autograd.grad(new[] { tp.forward(x2, y.flatten(0, 1)).square().sum() }, new[] { x2 })[0];
        AssertClose(g2.reshape(3, n, -1), g, 1e-5, "gradient");
    }
}
