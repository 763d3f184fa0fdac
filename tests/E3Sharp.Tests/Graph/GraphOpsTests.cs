using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests;

/// <summary>
/// <see cref="GraphOps.Scatter"/> and <see cref="GraphOps.RadiusGraph"/> against the plain PyTorch versions of torch_scatter /
/// torch_cluster in Data/reference/parity (see its README), eager and compiled.
/// </summary>
public class GraphOpsTests
{
    private static Tensor T(JsonElement e) => Reference.ToTensor(e);

    private static JsonDocument Load() => Reference.Load(Path.Combine("parity", "parity"));

    [Theory]
    [InlineData("sum")]
    [InlineData("mean")]
    [InlineData("max")]
    public void ScatterMatchesTorchScatterEagerAndTraced(string reduce)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var r = doc.RootElement.GetProperty("scatter");
        var src = T(r.GetProperty("src"));
        var index = T(r.GetProperty("index"));
        var dimSize = r.GetProperty("dim_size").GetInt32();
        var expected = T(r.GetProperty(reduce));
        AssertClose(expected, GraphOps.Scatter(src, index, dimSize, reduce), 1e-12, "float64");
        AssertClose(expected, GraphOps.Scatter(src.to(ScalarType.Float32), index, dimSize, reduce), 1e-6, "float32");
        // One-dimensional values too.
        AssertClose(expected.select(1, 0), GraphOps.Scatter(src.select(1, 0), index, dimSize, reduce), 1e-12, "1-D");

        // Traced: the size comes from a tensor's shape and stays symbolic (no tracer warning: AssertAutoJitable fails on one).
        var module = new ScatterToNodes(reduce);
        var compiled = Assertions.AssertAutoJitable(module, strictShapes: false);
        var nodes = zeros(dimSize, 1, dtype: ScalarType.Float64);
        var c64 = (Tensor)compiled.invoke("forward", src, index, nodes);
        AssertClose(expected, c64, 1e-12, "compiled float64");
        var c32 = (Tensor)compiled.invoke("forward", src.to(ScalarType.Float32), index, nodes.to(ScalarType.Float32));
        AssertClose(expected, c32, 1e-6, "compiled float32");
        var bytes = TorchScriptArchive.SaveToBytes(compiled);
        Interop.Record($"parity_scatter_{reduce}_f64", bytes, "forward", new[] { src, index, nodes }, new[] { c64 });
        Interop.Record($"parity_scatter_{reduce}_f32", bytes, "forward",
            new[] { src.to(ScalarType.Float32), index, nodes.to(ScalarType.Float32) }, new[] { c32 });
    }

    [Fact]
    public void ScatterRejectsBadArguments()
    {
        using var scope = NewDisposeScope();
        var src = zeros(4, 2);
        Assert.Contains("reduce=\"min\"", Assert.Throws<ArgumentException>(() => GraphOps.Scatter(src, zeros(4, ScalarType.Int64), 3, "min")).Message);
        Assert.Contains("[4, 2]", Assert.Throws<ArgumentException>(() => GraphOps.Scatter(src, zeros(3, ScalarType.Int64), 3)).Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void RadiusGraphMatchesTorchClusterEagerAndTraced(int caseIndex)
    {
        using var scope = NewDisposeScope();
        using var doc = Load();
        var r = doc.RootElement.GetProperty("radius_graph");
        var pos = T(r.GetProperty("pos"));
        var batch = T(r.GetProperty("batch"));
        var rMax = r.GetProperty("r_max").GetDouble();
        var c = r.GetProperty("cases")[caseIndex];
        var maxNeighbors = c.GetProperty("max_num_neighbors").GetInt32();
        var expected = T(c.GetProperty("edge_index"));
        AssertEdges(expected, GraphOps.RadiusGraph(pos, rMax, batch, maxNeighbors), "float64 eager");
        AssertEdges(expected, GraphOps.RadiusGraph(pos.to(ScalarType.Float32), rMax, batch, maxNeighbors), "float32 eager");

        var module = new E3Sharp.Nn.RadiusGraph(rMax, maxNeighbors);
        var compiled = Assertions.AssertAutoJitable(module, strictShapes: false);
        var c64 = (Tensor)compiled.invoke("forward", pos, batch);
        AssertEdges(expected, c64, "compiled float64");
        var c32 = (Tensor)compiled.invoke("forward", pos.to(ScalarType.Float32), batch);
        AssertEdges(expected, c32, "compiled float32");
        var bytes = TorchScriptArchive.SaveToBytes(compiled);
        Interop.Record($"parity_radius_graph_{maxNeighbors}_f64", bytes, "forward", new[] { pos, batch }, new[] { c64 });
        Interop.Record($"parity_radius_graph_{maxNeighbors}_f32", bytes, "forward", new[] { pos.to(ScalarType.Float32), batch },
            new[] { c32 });
    }

    private static void AssertEdges(Tensor expected, Tensor actual, string what)
    {
        Assert.Equal(ScalarType.Int64, actual.dtype);
        Assert.True(expected.shape.SequenceEqual(actual.shape), $"{what}: shape [{string.Join(", ", actual.shape)}]");
        Assert.Equal(expected.data<long>().ToArray(), actual.data<long>().ToArray());
    }

    [Fact]
    public void RadiusGraphWithoutBatchKeepsAllPairsWithinTheRadius()
    {
        using var scope = NewDisposeScope();
        var pos = tensor(new[] { 0.0, 0, 0, 1, 0, 0, 3, 0, 0, 3.5, 0, 0 }, new long[] { 4, 3 });
        var edges = GraphOps.RadiusGraph(pos, 1.2);
        Assert.Equal(new long[] { 1, 0, 3, 2, 0, 1, 2, 3 }, edges.data<long>().ToArray());
        Assert.Equal(new long[] { 2, 0 }, GraphOps.RadiusGraph(pos, 0.4).shape);
    }
}

/// <summary>A traced module summing (or averaging, or maximising) edge values into the nodes.</summary>
[CompileMode(JitMode.Trace)]
public partial class ScatterToNodes : nn.Module<Tensor, Tensor, Tensor, Tensor>, ITracingInputs
{
    private readonly string _reduce;

    public ScatterToNodes(string reduce) : base(nameof(ScatterToNodes))
    {
        _reduce = reduce;
        RegisterComponents();
    }

    public override Tensor forward(Tensor src, Tensor index, Tensor nodes) => GraphOps.Scatter(src, index, nodes.shape[0], _reduce);

    public IReadOnlyList<Tensor[]> MakeTracingInputs(int n)
    {
        var list = new List<Tensor[]>();
        for (var i = 0; i < Math.Max(n, 1); i++)
        {
            var edges = 8 + 3 * i;
            var nodes = 4 + i;
            list.Add(new[]
            {
                randn(new long[] { edges, 3 }, dtype: get_default_dtype()), randint(0, nodes, new long[] { edges }),
                zeros(nodes, 1, dtype: get_default_dtype()),
            });
        }

        return list;
    }
}
