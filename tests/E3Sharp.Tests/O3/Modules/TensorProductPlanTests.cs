using E3Sharp.Jit;
using TorchSharp;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>
/// The decisions of a tensor product's plan (TensorProductPlanBuilder), read on the plan itself: fused groups,
/// scalar-first paths, merging without autograd, the output layout, and which constants a module holds.
/// </summary>
public sealed class TensorProductPlanTests
{
    // The plan of e3nn's FullyConnectedTensorProduct (every allowed "uvw" path, shared weights), without a module.
    private static TensorProductPlan FullyConnected(string in1, string in2, string out_, bool sharedWeights = true) =>
        FullyConnected(in1, in2, out_, out _, sharedWeights);

    private static TensorProductPlan FullyConnected(string in1, string in2, string out_, out int weightNumel,
        bool sharedWeights = true)
    {
        Irreps i1 = in1, i2 = in2, o = out_;
        var raw = new List<Instruction>();
        for (var a = 0; a < i1.Length; a++)
        {
            for (var b = 0; b < i2.Length; b++)
            {
                for (var c = 0; c < o.Length; c++)
                {
                    if ((i1[a].Ir * i2[b].Ir).Contains(o[c].Ir)) raw.Add(new Instruction(a, b, c, "uvw", true));
                }
            }
        }
        var normalized = TensorProductInstructions.Normalize("test", i1, i2, o, raw, null, null, null, "component", "element");
        weightNumel = normalized.Sum(i => i.PathNumel);
        return TensorProductPlanBuilder.Build(i1, i2, o, normalized, sharedWeights);
    }

    [Theory]
    [InlineData("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e", 3)]   // saves 6144 MACs a row for 288 written
    [InlineData("64x0e+64x1o", "0e+1o", "64x0e+64x1o", 2)]                   // 8192 for 256
    [InlineData("64x0e+32x1o", "0e+1o", "64x0e+32x1o", 2)]                   // the scalar alone in its group (u = 64)
    [InlineData("3x0e", "1o+0e", "3x1o+3x0e", 2)]                            // likewise, however small
    [InlineData("32x0e+32x1o", "0e+1o", "32x0e+32x1o", 0)]                   // 2048 for 128: below the ratio
    [InlineData("16x0e+16x1o+16x2e", "0e+1o+2e", "16x0e+16x1o+16x2e", 0)]   // 1536 for 144
    [InlineData("8x0e+8x0o+8x1o", "0e+1o", "8x0e+8x0o+8x1o+8x1e", 0)]       // two scalar irreps in the group
    public void ScalarFirstWhereTheWorkItSavesPaysForItsPasses(string in1, string in2, string out_, int outputs)
    {
        // Scalar-first outputs (one addcmul or product each) only where the GEMM work they save is at least 20 times
        // what their elementwise passes write, or where the scalar is alone in its group.
        var plan = FullyConnected(in1, in2, out_);
        Assert.Equal(outputs, plan.Fused.Sum(g => g.ScalarFirst.Length));
        // The scalar-first columns of a group's constant are one block per output: K·R columns, R = its scalar rows.
        Assert.All(plan.Fused, g => Assert.Equal(g.Outputs.Sum(o => o.K * o.R), g.ScalarColumns));
    }

    [Theory]
    [InlineData("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", false)]             // small: one fused group
    [InlineData("4x0e+3x1o+3x2e", "0e+1o+2e", "2x0e+2x1o+2x2e", true)]     // mixed multiplicities: several fused groups
    [InlineData("2x1o+1x2e", "40x1o", "2x1e+1x2o", false)]                 // large second input: per-path evaluation
    [InlineData("3x0e", "2x1o+0e", "3x1o+3x0e", true)]                     // only scalar-first paths; R = 2 rows
    [InlineData("32x0e+32x1o+32x2e", "2x0e+1o+2e", "32x0e+16x1o+8x2e", true)] // scalar-first R = 2 and R = 1, unequal w
    [InlineData("4x0e+4x1o", "2x0e+1o", "3x0e+3x1o", true)]                // small: scalar in the operator (no scalar-first)
    [InlineData("3x0e+3x0o+3x1o", "0e+1o", "2x0e+2x0o+2x1o+2x1e", true)]   // two scalar irreps: all dense
    public void ComponentMajorOutputsAreGatheredInFloat32Only(string in1, string in2, string out_, bool componentMajor)
    {
        // Fused outputs of multiplicity and dimension above 1 stay component-major until one gather of the whole
        // output (out_perm) in float32; float64 transposes each instead, and the merged evaluation needs neither.
        var plan = FullyConnected(in1, in2, out_);
        Assert.Equal(componentMajor, plan.OutputPermutation is not null);
        Assert.Equal(componentMajor, plan.GathersOutput(ScalarType.Float32, merged: false));
        Assert.False(plan.GathersOutput(ScalarType.Float64, merged: false));
        Assert.False(plan.GathersOutput(ScalarType.Float32, merged: true));
        Assert.Equal(componentMajor, plan.Outputs.Any(op => op.KMajor));
    }

    [Fact]
    public void ALargeSecondInputIsEvaluatedPerPath()
    {
        // The fused constant would be [D2, ...] with D2 = 120 for u = 2: each path contracts its own CG block.
        var plan = FullyConnected("2x1o+1x2e", "40x1o", "2x1e+1x2o");
        Assert.Empty(plan.Fused);
        Assert.True(plan.HasUnfusedPaths);
        Assert.Equal(new long[] { 40, 40 }, plan.Outputs.Select(op => op.Uvw.Sum(g => g.V)).ToArray());
        Assert.Equal(plan.Outputs.Sum(op => op.Uvw.Sum(g => g.Paths.Length)), plan.Constants.Names.Count(n => n.StartsWith("cg_", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e", true, true)]  // one group; the scalar output padded
    [InlineData("4x0e+3x1o+3x2e", "0e+1o+2e", "2x0e+2x1o+2x2e", true, true)]        // two groups, padding
    [InlineData("8x0e+4x1o+2x2e", "0e+1o", "8x0e+4x1o+2x2e", true, false)]          // outputs of different multiplicities
    [InlineData("32x0e+32x1o", "1o", "32x0e+32x1o+32x2e", true, true)]              // 1o only from the scalar
    [InlineData("32x0e+32x1o+32x2e", "0e+1o+2e", "32x0e+32x1o+32x2e", false, false)] // per-sample weights
    public void GroupsMergeWithoutAutogradWhereTheirOutputsShareW(string in1, string in2, string out_, bool shared,
        bool mergeable)
    {
        var plan = FullyConnected(in1, in2, out_, shared);
        Assert.Equal(mergeable, plan.Mergeable);
        foreach (var g in plan.Fused)
        {
            // The strategy list: merged only without autograd, for a group that merges; else the fused products.
            Assert.Equal(FusedGroupStrategy.Fused, TensorProductPlan.StrategyFor(g, merged: false));
            Assert.Equal(g.Merged is null ? FusedGroupStrategy.Fused : FusedGroupStrategy.Merged,
                TensorProductPlan.StrategyFor(g, merged: true));
            if (g.Merged is { } m)
            {
                // Every member output has the same multiplicity w, padded to P second-input rows.
                Assert.All(m.Members, s => Assert.Equal(m.W, g.Outputs[s].W));
                Assert.Equal(m.Members.Max(s => g.Outputs[s].V), m.P);
                Assert.Equal(m.Members.Any(s => g.Outputs[s].V < m.P), m.Padded);
            }
        }
    }

    [Fact]
    public void FusedWeightIndicesCoverEveryWeightOnce()
    {
        // The weight permutation of the fused groups reads each weight of their paths exactly once (the merged one
        // too, apart from the padding zero at index WeightNumel).
        var plan = FullyConnected("32x0e+32x1o+32x2e", "2x0e+1o+2e", "32x0e+16x1o+8x2e", out var weights);
        Assert.False(plan.HasUnfusedPaths);
        var index = plan.Fused.SelectMany(g => plan.Constants.IndexValues(g.WeightIndex)).Order().ToArray();
        Assert.Equal(index.Distinct().Count(), index.Length);
        Assert.Equal(Enumerable.Range(0, weights).Select(i => (long)i), index);
    }

    [Fact]
    public void AModuleHoldsOnlyTheConstantsOfItsDtypesFormulations()
    {
        // out_perm (the float32 gather of component-major outputs) is held by a float32 product only, and follows
        // .to(): dropped for float64, rebuilt for float32. The other constants are held in both.
        using var scope = NewDisposeScope();
        var tp32 = new FullyConnectedTensorProduct("4x0e+3x1o+3x2e", "0e+1o+2e", "2x0e+2x1o+2x2e", dtype: ScalarType.Float32);
        var tp64 = new FullyConnectedTensorProduct("4x0e+3x1o+3x2e", "0e+1o+2e", "2x0e+2x1o+2x2e", dtype: ScalarType.Float64);
        string[] Held(TorchSharp.torch.nn.Module m) =>
            TorchSharpInternals.OwnBuffers(m).Where(b => !b.Persistent).Select(b => b.Name).Order().ToArray();
        var f32 = Held(tp32);
        var f64 = Held(tp64);
        Assert.Contains("out_perm", f32);
        Assert.DoesNotContain("out_perm", f64);
        Assert.Equal(f32.Where(n => n != "out_perm"), f64);

        tp32.to(ScalarType.Float64);
        Assert.Equal(f64, Held(tp32));
        tp32.to(ScalarType.Float32);
        Assert.Equal(f32, Held(tp32));

        // Converted both ways, the float32 module computes what the float64 one does.
        tp32.to(ScalarType.Float64);
        tp32.load_state_dict(tp64.state_dict());
        var x = tp64.IrrepsIn1.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        var y = tp64.IrrepsIn2.Randn(new long[] { 5, -1 }, ScalarType.Float64, null);
        Assert.Equal(0.0, tp64.forward(x, y).sub(tp32.forward(x, y)).abs().max().item<double>());
    }
}
