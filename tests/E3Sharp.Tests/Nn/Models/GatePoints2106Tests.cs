using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn.Models.GatePoints2106;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

// Not "E3Sharp.Tests.Nn": that namespace would hide E3Sharp.Nn from tests that write Nn.X.
namespace E3Sharp.Tests.NnModels;

/// <summary>e3nn.nn.models.v2106 (MessagePassing, SimpleNetwork, NetworkForAGraphWithAttributes) against e3nn 0.5.6
/// with e3nn's weights (Data/reference/parity/parity_v2106.json): eager and compiled, float64 and float32, pooled and
/// per node.</summary>
public class GatePoints2106Tests
{
    private static JsonElement Case(JsonDocument doc, string name, int index) => doc.RootElement.GetProperty(name)[index];

    // Loads e3nn's parameters (e3nn's names; every parameter of ours has one, and no other).
    private static T Load<T>(T module, JsonElement c) where T : nn.Module
    {
        var ours = module.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var theirs = c.GetProperty("parameters").EnumerateObject().ToList();
        Assert.Equal(theirs.Select(p => p.Name).OrderBy(s => s, StringComparer.Ordinal),
            ours.Keys.OrderBy(s => s, StringComparer.Ordinal));
        foreach (var p in theirs)
        {
            Assign(ours[p.Name], Reference.ToTensor(p.Value));
        }

        return module;
    }

    private static Tensor Input(JsonElement c, string name, ScalarType dtype)
    {
        var t = Reference.ToTensor(c.GetProperty("inputs").GetProperty(name));
        return t.is_floating_point() ? t.to(dtype) : t;
    }

    private static Tensor Expected(JsonElement c, string name, ScalarType dtype) =>
        Reference.ToTensor(c.GetProperty(dtype == ScalarType.Float64 ? name + "float64" : name + "float32"));

    // float64: 1e-10; float32: 1e-5 relative to the output's scale. These networks' outputs reach |y| ~ 7, where two
    // float32 evaluations in another operation order (e3nn's einsums, ours) differ by tens of float32 ulps (e3nn's own
    // float32 and float64 outputs differ by up to 1.5e-5 there).
    private static double Tolerance(Tensor expected, ScalarType dtype) => dtype == ScalarType.Float64
        ? ReferenceTolerance(dtype)
        : ReferenceTolerance(dtype) * Math.Max(1.0, expected.abs().max().to(ScalarType.Float64).item<double>());

    // PyTorch 1.13 against the same archive in LibTorch 2.10: the interop default (1e-6 float32), relative to the scale.
    private static double? InteropTolerance(Tensor y) => y.dtype == ScalarType.Float32
        ? 1e-6 * Math.Max(1.0, y.abs().max().to(ScalarType.Float64).item<double>())
        : null;

    private static string Tag(ScalarType dtype) => dtype == ScalarType.Float64 ? "f64" : "f32";

    // Compiles (AssertAutoJitable: one random input, one trace check; the trees are large), compares the compiled
    // module with e3nn and records the archive for the PyTorch 1.13 interop test.
    private static void CompiledMatches(nn.Module module, Tensor[] xs, Tensor expected, double tol, string name)
    {
        var compiled = Assertions.AssertAutoJitable(module, nRandomTests: 1, nTraceChecks: 1);
        var y = (Tensor)compiled.invoke("forward", xs);
        AssertClose(expected, y, tol, "compiled");
        Interop.Record(name, TorchScriptArchive.SaveToBytes(compiled), "forward", xs, new[] { y },
            tolerance: InteropTolerance(y));
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void MessagePassingMatchesE3nn(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2106"));
        var c = Case(doc, "message_passing", 0);
        var cfg = c.GetProperty("config");
        var mp = Load(new MessagePassing(
            cfg.GetProperty("irreps_node_sequence").EnumerateArray().Select(e => new Irreps(e.GetString()!)).ToList(),
            cfg.GetProperty("irreps_node_attr").GetString()!, cfg.GetProperty("irreps_edge_attr").GetString()!,
            cfg.GetProperty("fc_neurons").EnumerateArray().Select(e => e.GetInt32()).ToList(),
            cfg.GetProperty("num_neighbors").GetDouble(), dtype), c);
        Assert.Equal(c.GetProperty("irreps_node_sequence").EnumerateArray().Select(e => e.GetString()),
            mp.IrrepsNodeSequence.Select(i => i.ToString()));
        var xs = new[] { "node_features", "node_attr", "edge_src", "edge_dst", "edge_attr", "edge_scalars" }
            .Select(k => Input(c, k, dtype)).ToArray();
        var expected = Expected(c, "", dtype);
        var tol = Tolerance(expected, dtype);
        AssertClose(expected, mp.forward(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]), tol, "eager");
        CompiledMatches(mp, xs, expected, tol, $"parity_v2106_message_passing_{Tag(dtype)}");
        if (dtype == ScalarType.Float64)
        {
            var first = Assert.IsType<Compose>(mp.Layers[0]).First;
            AssertClose(Reference.ToTensor(c.GetProperty("first_conv_float64")),
                first.forward(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]), tol, "first convolution");
            // e3nn's test: assert_equivariant over (features, attributes, -, -, edge attributes, -).
            Assertions.AssertEquivariant(mp, () => xs,
                irrepsIn: [mp.IrrepsNodeInput, mp.IrrepsNodeAttr, null, null, mp.IrrepsEdgeAttr, null],
                irrepsOut: [mp.IrrepsNodeOutput]);
        }
    }

    [Theory]
    [InlineData(0, ScalarType.Float64)]
    [InlineData(0, ScalarType.Float32)]
    [InlineData(1, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    public void SimpleNetworkMatchesE3nn(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2106"));
        var c = Case(doc, "simple_network", index);
        var cfg = c.GetProperty("config");
        SimpleNetwork Build(bool pool) => Load(new SimpleNetwork(cfg.GetProperty("irreps_in").GetString()!,
            cfg.GetProperty("irreps_out").GetString()!, cfg.GetProperty("max_radius").GetDouble(),
            cfg.GetProperty("num_neighbors").GetDouble(), cfg.GetProperty("num_nodes").GetDouble(),
            cfg.GetProperty("mul").GetInt32(), cfg.GetProperty("layers").GetInt32(),
            cfg.TryGetProperty("lmax", out var l) ? l.GetInt32() : 2, pool, dtype), c);
        var pos = Input(c, "pos", dtype);
        // e3nn without "batch": zeros.
        var batch = c.GetProperty("inputs").TryGetProperty("batch", out var b) ? Reference.ToTensor(b)
            : zeros(pos.shape[0], dtype: ScalarType.Int64);
        var xs = new[] { pos, Input(c, "x", dtype), batch };

        var net = Build(pool: true);
        Assert.Equal(c.GetProperty("irreps_in").GetString(), net.IrrepsIn.ToString());
        Assert.Equal(c.GetProperty("irreps_out").GetString(), net.IrrepsOut.ToString());
        var expected = Expected(c, "", dtype);
        var tol = Tolerance(expected, dtype);
        AssertClose(expected, net.forward(xs[0], xs[1], xs[2]), tol, "eager");
        CompiledMatches(net, xs, expected, tol, $"parity_v2106_simple_{index}_pooled_{Tag(dtype)}");
        if (dtype == ScalarType.Float64)
        {
            Assertions.AssertEquivariant(net, () => xs, irrepsIn: [new Irreps("1o"), net.IrrepsIn, null],
                irrepsOut: [net.IrrepsOut]);
        }

        var nodes = Build(pool: false);
        var expectedNodes = Expected(c, "nodes_", dtype);
        tol = Tolerance(expectedNodes, dtype);
        AssertClose(expectedNodes, nodes.forward(xs[0], xs[1], xs[2]), tol, "eager per node");
        if (index == 1)
        {
            var compiled = TorchScript.Compile(nodes);
            var y = (Tensor)compiled.invoke("forward", xs);
            AssertClose(expectedNodes, y, tol, "compiled per node");
            Interop.Record($"parity_v2106_simple_{index}_nodes_{Tag(dtype)}", TorchScriptArchive.SaveToBytes(compiled),
                "forward", xs, new[] { y }, tolerance: InteropTolerance(y));
        }
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void NetworkForAGraphWithAttributesMatchesE3nn(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_v2106"));
        var c = Case(doc, "network_for_a_graph_with_attributes", 0);
        var cfg = c.GetProperty("config");
        NetworkForAGraphWithAttributes Build(bool pool) => Load(new NetworkForAGraphWithAttributes(
            cfg.GetProperty("irreps_node_input").GetString()!, cfg.GetProperty("irreps_node_attr").GetString()!,
            cfg.GetProperty("irreps_edge_attr").GetString()!, cfg.GetProperty("irreps_node_output").GetString()!,
            cfg.GetProperty("max_radius").GetDouble(), cfg.GetProperty("num_neighbors").GetDouble(),
            cfg.GetProperty("num_nodes").GetDouble(), cfg.GetProperty("mul").GetInt32(),
            cfg.GetProperty("layers").GetInt32(), poolNodes: pool, dtype: dtype), c);
        var xs = new[] { "pos", "node_input", "node_attr", "edge_index", "edge_attr", "batch" }
            .Select(k => Input(c, k, dtype)).ToArray();

        var net = Build(pool: true);
        Assert.Equal(c.GetProperty("irreps_node_output").GetString(), net.IrrepsNodeOutput.ToString());
        var expected = Expected(c, "", dtype);
        var tol = Tolerance(expected, dtype);
        AssertClose(expected, net.forward(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]), tol, "eager");
        CompiledMatches(net, xs, expected, tol, $"parity_v2106_graph_pooled_{Tag(dtype)}");
        var nodes = Build(pool: false);
        var expectedNodes = Expected(c, "nodes_", dtype);
        AssertClose(expectedNodes, nodes.forward(xs[0], xs[1], xs[2], xs[3], xs[4], xs[5]),
            Tolerance(expectedNodes, dtype), "eager per node");
        if (dtype == ScalarType.Float64)
        {
            Assertions.AssertEquivariant(net, () => xs,
                irrepsIn: [new Irreps("1o"), net.IrrepsNodeInput, net.IrrepsNodeAttr, null, net.IrrepsEdgeAttr, null],
                irrepsOut: [net.IrrepsNodeOutput]);
        }
    }

    [Fact]
    public void ConvolutionCompilesIsEquivariantAndChecksArguments()
    {
        using var scope = NewDisposeScope();
        // The first convolution of e3nn's SimpleNetwork test (e3nn's test_simple_network), mul 4.
        var net = new SimpleNetwork("3x0e + 2x1o", "4x0e + 1x1o", maxRadius: 2.0, numNeighbors: 3.0, numNodes: 5.0,
            mul: 4, layers: 1, dtype: ScalarType.Float64);
        var conv = Assert.IsType<Compose>(net.Mp.Layers[0]).First;
        Assertions.AssertAutoJitable(conv, strictShapes: false);
        var convInputs = conv.MakeTracingInputs(1)[0];
        Assertions.AssertEquivariant(conv, () => convInputs,
            irrepsIn: [conv.IrrepsNodeInput, conv.IrrepsNodeAttr, null, null, conv.IrrepsEdgeAttr, null],
            irrepsOut: [conv.IrrepsNodeOutput]);
        Assert.Equal(2, net.Mp.Layers.Count);
        Assert.IsType<Convolution>(net.Mp.Layers[^1]);

        // e3nn's assertions and ValueError, as ArgumentExceptions naming the irreps.
        var none = Assert.Throws<ArgumentException>(() => new Convolution("1x1o", "0e", "1x0e", "1x2e", [3], 2.0));
        Assert.Contains("produces nothing", none.Message);
        var noGate = Assert.Throws<ArgumentException>(() => new MessagePassing(
            new Irreps[] { "1x1o", "2x1o", "1x1o" }, "0e", "1x0e", [3], 2.0));
        Assert.Contains("unable to produce gates", noGate.Message);
        Assert.True(MessagePassing.TpPathExists("1x1o", "1x1o", "2e"));
        Assert.False(MessagePassing.TpPathExists("1x1o", "1x0e", "0e"));

        // Inputs that do not fit: clear errors naming the input.
        var pos = randn(5, 3, dtype: ScalarType.Float64);
        var bad = Assert.Throws<ArgumentException>(() => net.forward(pos, randn(5, 7, dtype: ScalarType.Float64),
            zeros(5, dtype: ScalarType.Int64)));
        Assert.Contains("'x'", bad.Message);
        Assert.Throws<ArgumentException>(() => net.forward(pos, randn(5, 9, dtype: ScalarType.Float64),
            zeros(5, dtype: ScalarType.Float64)));
        var graph = new NetworkForAGraphWithAttributes("2x0e", "0e", "1o", "1x0e", maxRadius: 2.0, numNeighbors: 2.0,
            numNodes: 3.0, mul: 2, layers: 1, dtype: ScalarType.Float64);
        var edgeIndex = tensor(new long[] { 0, 1, 1, 2 }).reshape(2, 2);
        var wrongEdges = Assert.Throws<ArgumentException>(() => graph.forward(randn(3, 3, dtype: ScalarType.Float64),
            randn(3, 2, dtype: ScalarType.Float64), ones(3, 1, dtype: ScalarType.Float64), edgeIndex,
            randn(3, 3, dtype: ScalarType.Float64), zeros(3, dtype: ScalarType.Int64)));
        Assert.Contains("'edgeAttr'", wrongEdges.Message);
        Assert.Equal(new long[] { 1, 1 }, graph.forward(randn(3, 3, dtype: ScalarType.Float64), randn(3, 2, dtype: ScalarType.Float64),
            ones(3, 1, dtype: ScalarType.Float64), edgeIndex, randn(2, 3, dtype: ScalarType.Float64),
            zeros(3, dtype: ScalarType.Int64)).shape);
    }
}
