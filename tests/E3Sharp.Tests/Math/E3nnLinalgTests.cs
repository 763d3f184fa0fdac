using System.Text.Json;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.LinearAlgebra; // not "Math": a namespace of that name would hide System.Math in every test namespace

/// <summary>e3nn.math's direct_sum, orthonormalize, complete_basis, germinate_formulas and reduce_permutation against
/// e3nn 0.5.6 (Data/reference/parity/parity_rtp.json).</summary>
public class E3nnLinalgTests
{
    private static JsonDocument Load() => Reference.Load(Path.Combine("parity", "parity_rtp"));

    [Fact]
    public void OrthonormalizeMatchesE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var c = doc.RootElement.GetProperty("orthonormalize");
        var input = Reference.ToTensor(c.GetProperty("input"));
        var (final, matrix) = E3nnLinalg.Orthonormalize(input);
        AssertClose(Reference.ToTensor(c.GetProperty("final")), final, 1e-12, "final");
        AssertClose(Reference.ToTensor(c.GetProperty("matrix")), matrix, 1e-12, "matrix");
        AssertClose(final, matrix.mm(input), 1e-12, "y = A x");
        var (f32, _) = E3nnLinalg.Orthonormalize(input.to(ScalarType.Float32));
        Assert.Equal(ScalarType.Float32, f32.dtype);
        // In float32 the dependent rows leave residuals far above 2 eps, so they are kept (as in e3nn): compare the
        // independent ones.
        AssertClose(Reference.ToTensor(c.GetProperty("final")).to(ScalarType.Float32), f32.narrow(0, 0, 3), 1e-5, "float32");
        Assert.Throws<ArgumentException>(() => E3nnLinalg.Orthonormalize(ones(3)));
    }

    [Fact]
    public void CompleteBasisAndDirectSumMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var cb = doc.RootElement.GetProperty("complete_basis");
        AssertClose(Reference.ToTensor(cb.GetProperty("output")),
            E3nnLinalg.CompleteBasis(Reference.ToTensor(cb.GetProperty("input"))), 1e-12, "complete_basis");
        var ds = doc.RootElement.GetProperty("direct_sum");
        AssertClose(Reference.ToTensor(ds.GetProperty("output")),
            E3nnLinalg.DirectSum(Reference.ToTensor(ds.GetProperty("a")), Reference.ToTensor(ds.GetProperty("b"))), 0.0,
            "direct_sum");
        Assert.Throws<ArgumentException>(() => E3nnLinalg.DirectSum());
    }

    [Fact]
    public void GerminateFormulasAndReducePermutationMatchE3nn()
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        foreach (var c in doc.RootElement.GetProperty("reduce_permutation").EnumerateArray())
        {
            var formula = c.GetProperty("formula").GetString()!;
            var (f0, formulas) = E3nnReduce.GerminateFormulas(formula);
            Assert.Equal(c.GetProperty("f0").GetString(), f0);
            var expected = c.GetProperty("formulas").EnumerateArray()
                .Select(e => $"({e[0].GetInt32()}, ({string.Join(", ", e[1].EnumerateArray().Select(v => v.GetInt32()))}))");
            Assert.Equal(expected, formulas.Select(f => f.ToString()));

            var dims = c.GetProperty("dims").EnumerateObject().ToDictionary(p => p.Name[0], p => p.Value.GetInt32());
            var (q, classes) = E3nnReduce.ReducePermutation(f0, formulas, dims, ScalarType.Float64);
            AssertClose(Reference.ToTensor(c.GetProperty("Q")), q, 1e-15, formula);
            var expectedClasses = c.GetProperty("ret").EnumerateArray().Select(xs => string.Join(";", xs.EnumerateArray()
                .Select(e => $"{e[0].GetInt32()}:{string.Join(",", e[1].EnumerateArray().Select(v => v.GetInt32()))}")));
            Assert.Equal(expectedClasses, classes.Select(xs => string.Join(";", xs.Select(e => $"{e.Sign}:{string.Join(",", e.Index)}"))));
        }

        Assert.Throws<ArgumentException>(() => E3nnReduce.GerminateFormulas("ij=ik"));
        Assert.Throws<ArgumentException>(() => E3nnReduce.GerminateFormulas("-ij=ji"));
        var (g0, gs) = E3nnReduce.GerminateFormulas("ij=ji");
        Assert.Throws<ArgumentException>(() => E3nnReduce.ReducePermutation(g0, gs, new Dictionary<char, int>()));
        Assert.Throws<ArgumentException>(() => E3nnReduce.ReducePermutation(g0, gs, new Dictionary<char, int> { ['i'] = 2, ['j'] = 3 }));
    }
}
