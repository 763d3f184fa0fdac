using System.Text.Json;
using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using E3Sharp.Nn.Models.GatePoints2101;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

// Not "E3Sharp.Tests.Nn": that namespace would hide E3Sharp.Nn from tests that write Nn.X.
namespace E3Sharp.Tests.NnModels;

/// <summary>e3nn.nn.models.gate_points_2101.Network against e3nn 0.5.6 with e3nn's weights
/// (Data/reference/parity/parity_gate_points.json): eager and compiled, float64 and float32, reduced and per node.</summary>
public class GatePoints2101Tests
{
    private static Irreps? Opt(JsonElement e) => e.ValueKind == JsonValueKind.Null ? null : new Irreps(e.GetString()!);

    private static Network Build(JsonElement c, ScalarType dtype, bool reduceOutput)
    {
        var cfg = c.GetProperty("config");
        var net = new Network(Opt(cfg.GetProperty("irreps_in")), new Irreps(cfg.GetProperty("irreps_hidden").GetString()!),
            new Irreps(cfg.GetProperty("irreps_out").GetString()!), Opt(cfg.GetProperty("irreps_node_attr")),
            new Irreps(cfg.GetProperty("irreps_edge_attr").GetString()!), cfg.GetProperty("layers").GetInt32(),
            cfg.GetProperty("max_radius").GetDouble(), cfg.GetProperty("number_of_basis").GetInt32(),
            cfg.GetProperty("radial_layers").GetInt32(), cfg.GetProperty("radial_neurons").GetInt32(),
            cfg.GetProperty("num_neighbors").GetDouble(), cfg.GetProperty("num_nodes").GetDouble(), reduceOutput,
            dtype: dtype);
        var ours = net.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var theirs = c.GetProperty("parameters").EnumerateObject().ToList();
        Assert.Equal(theirs.Select(p => p.Name).OrderBy(s => s, StringComparer.Ordinal),
            ours.Keys.OrderBy(s => s, StringComparer.Ordinal));
        foreach (var p in theirs)
        {
            Assign(ours[p.Name], Reference.ToTensor(p.Value));
        }

        return net;
    }

    private static Tensor[] Inputs(JsonElement c, ScalarType dtype)
    {
        var i = c.GetProperty("inputs");
        var pos = Reference.ToTensor(i.GetProperty("pos")).to(dtype);
        var ones1 = ones(pos.shape[0], 1, dtype: dtype);
        var x = i.TryGetProperty("x", out var xe) ? Reference.ToTensor(xe).to(dtype) : ones1;
        var z = i.TryGetProperty("z", out var ze) ? Reference.ToTensor(ze).to(dtype) : ones1;
        return [pos, x, z, Reference.ToTensor(i.GetProperty("batch"))];
    }

    [Theory]
    [InlineData(0, ScalarType.Float64)]
    [InlineData(0, ScalarType.Float32)]
    [InlineData(1, ScalarType.Float64)]
    [InlineData(1, ScalarType.Float32)]
    public void MatchesE3nnEagerAndCompiled(int index, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        using var doc = Reference.Load(Path.Combine("parity", "parity_gate_points"));
        var c = doc.RootElement.GetProperty("gate_points_2101")[index];
        var f64 = dtype == ScalarType.Float64;
        var tol = ReferenceTolerance(dtype);
        var xs = Inputs(c, dtype);
        var cfg = c.GetProperty("config");

        // Reduced output (e3nn's default): eager, AssertAutoJitable, compiled, PyTorch archive, equivariance.
        var net = Build(c, dtype, reduceOutput: true);
        var expected = Reference.ToTensor(c.GetProperty(f64 ? "float64" : "float32"));
        AssertClose(expected, net.forward(xs[0], xs[1], xs[2], xs[3]), tol, "eager");
        // One trace check and one random input: compiling this tree is slow (tens of traced children).
        var compiled = Assertions.AssertAutoJitable(net, nRandomTests: 1, nTraceChecks: 1);
        var y = (Tensor)compiled.invoke("forward", xs[0], xs[1], xs[2], xs[3]);
        AssertClose(expected, y, tol, "compiled");
        Interop.Record($"parity_gate_points_{index}_reduced_{(f64 ? "f64" : "f32")}",
            TorchScriptArchive.SaveToBytes(compiled), "forward", xs, new[] { y });
        if (f64)
        {
            Assertions.AssertEquivariant(net, () => xs,
                irrepsIn: [new Irreps("1o"), Opt(cfg.GetProperty("irreps_in")), Opt(cfg.GetProperty("irreps_node_attr")), null],
                irrepsOut: [net.IrrepsOut]);
        }

        // Per-node output (reduce_output=False): eager always; compiled on the small network.
        var nodes = Build(c, dtype, reduceOutput: false);
        var expectedNodes = Reference.ToTensor(c.GetProperty(f64 ? "nodes_float64" : "nodes_float32"));
        AssertClose(expectedNodes, nodes.forward(xs[0], xs[1], xs[2], xs[3]), tol, "eager per node");
        if (index == 1)
        {
            var compiledNodes = TorchScript.Compile(nodes);
            var yn = (Tensor)compiledNodes.invoke("forward", xs[0], xs[1], xs[2], xs[3]);
            AssertClose(expectedNodes, yn, tol, "compiled per node");
            Interop.Record($"parity_gate_points_{index}_nodes_{(f64 ? "f64" : "f32")}",
                TorchScriptArchive.SaveToBytes(compiledNodes), "forward", xs, new[] { yn });
        }
    }

    [Fact]
    public void ConvolutionCompilesAndChecksArguments()
    {
        using var scope = NewDisposeScope();
        // e3nn's test_convolution_jit: the first convolution of its example network.
        var net = new Network("3x0e + 2x1o", "5x0e + 5x0o + 5x1e + 5x1o", "2x0o + 2x1o + 2x2e", "10x0e",
            Irreps.SphericalHarmonics(3), layers: 3, maxRadius: 2.0, numberOfBasis: 5, radialLayers: 2,
            radialNeurons: 16, numNeighbors: 4.0, numNodes: 5, dtype: ScalarType.Float64);
        var compose = Assert.IsType<Compose>(net.Layers[0]);
        var conv = compose.First;
        Assertions.AssertAutoJitable(conv, strictShapes: false);
        var convInputs = conv.MakeTracingInputs(1)[0];
        Assertions.AssertEquivariant(conv, () => convInputs,
            irrepsIn: [conv.IrrepsIn, conv.IrrepsNodeAttr, null, conv.IrrepsEdgeAttr, null], irrepsOut: [conv.IrrepsOut]);
        Assert.Equal(4, net.Layers.Count);
        Assert.IsType<Convolution>(net.Layers[^1]);
        var pos = randn(5, 3, dtype: ScalarType.Float64);
        var bad = Assert.Throws<ArgumentException>(() => net.forward(pos, randn(5, 7, dtype: ScalarType.Float64),
            randn(5, 10, dtype: ScalarType.Float64), zeros(5, dtype: ScalarType.Int64)));
        Assert.Contains("'x'", bad.Message);
        Assert.Throws<ArgumentException>(() => net.forward(pos, randn(5, 9, dtype: ScalarType.Float64),
            randn(5, 10, dtype: ScalarType.Float64), zeros(5, dtype: ScalarType.Float64)));
        Assert.Throws<ArgumentException>(() => new Network(null, "4x0e", "1x0e", null, "1x0e+1x1o", 1, maxRadius: -1,
            numberOfBasis: 3, radialLayers: 1, radialNeurons: 4, numNeighbors: 2, numNodes: 2));
    }
}
