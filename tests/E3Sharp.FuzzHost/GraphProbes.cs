using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.FuzzHost;

/// <summary>
/// Bad inputs to the graph helpers and e3nn.math functions, one per child process (<c>graph &lt;name&gt;</c>), so that a
/// LibTorch abort (index out of range in index_add, a wrong index dtype, a negative size) is seen by the parent as a
/// dead process rather than killing the test run. Prints <c>managed &lt;type&gt;: &lt;message&gt;</c> or <c>ok &lt;shape&gt;</c>.
/// </summary>
internal static class GraphProbes
{
    private static readonly Dictionary<string, Func<Tensor>> Probes = new()
    {
        ["scatter-index-too-large"] = () => GraphOps.Scatter(ones(3, 2), tensor(new long[] { 0, 1, 5 }), 3),
        ["scatter-index-negative"] = () => GraphOps.Scatter(ones(3, 2), tensor(new long[] { 0, -1, 2 }), 3),
        ["scatter-mean-index-too-large"] = () => GraphOps.Scatter(ones(3), tensor(new long[] { 0, 1, 3 }), 3, "mean"),
        ["scatter-max-index-too-large"] = () => GraphOps.Scatter(ones(3), tensor(new long[] { 0, 1, 3 }), 3, "max"),
        ["scatter-index-int32"] = () => GraphOps.Scatter(ones(3, 2), tensor(new[] { 0, 1, 2 }), 3),
        ["scatter-index-float"] = () => GraphOps.Scatter(ones(3, 2), tensor(new[] { 0f, 1f, 2f }), 3),
        ["scatter-negative-size"] = () => GraphOps.Scatter(ones(3, 2), tensor(new long[] { 0, 1, 2 }), -2),
        ["scatter-index-length"] = () => GraphOps.Scatter(ones(3, 2), tensor(new long[] { 0, 1 }), 3),
        ["scatter-src-scalar"] = () => GraphOps.Scatter(tensor(1f), tensor(new long[] { 0 }), 3),
        ["scatter-empty"] = () => GraphOps.Scatter(ones(0, 2), zeros(0, dtype: int64), 4),
        ["radius-batch-int32"] = () => GraphOps.RadiusGraph(rand(4, 3), 1.0, zeros(4, dtype: int32)),
        ["radius-batch-length"] = () => GraphOps.RadiusGraph(rand(4, 3), 1.0, zeros(3, dtype: int64)),
        ["radius-pos-rank1"] = () => GraphOps.RadiusGraph(rand(4), 1.0),
        ["radius-negative-neighbours"] = () => GraphOps.RadiusGraph(rand(4, 3), 1.0, null, -1),
        ["radius-module-batch-float"] = () => new Nn.RadiusGraph(1.0).call(rand(4, 3), zeros(4)),
        // LibTorch's own index_add on an out-of-range index (not called by E3Sharp unchecked): shows what Scatter guards.
        ["raw-index-add-too-large"] = () => zeros(3).index_add(0, tensor(new long[] { 0, 1, 5 }), ones(3), 1),
        ["soft-one-hot-number-0"] = () => E3nnMath.SoftOneHotLinspace(rand(4), 0.0, 1.0, 0, "gaussian", false),
        ["soft-one-hot-number-negative"] = () => E3nnMath.SoftOneHotLinspace(rand(4), 0.0, 1.0, -3, "bessel", true),
        ["soft-one-hot-unknown-basis"] = () => E3nnMath.SoftOneHotLinspace(rand(4), 0.0, 1.0, 3, "spline", true),
        ["soft-one-hot-start-equals-end"] = () => E3nnMath.SoftOneHotLinspace(rand(4), 1.0, 1.0, 3, "cosine", true),
    };

    /// <summary>The probe names.</summary>
    public static IEnumerable<string> Names => Probes.Keys;

    /// <summary>Runs one probe and prints its outcome.</summary>
    public static int Run(string name)
    {
        if (!Probes.TryGetValue(name, out var probe))
        {
            Console.Error.WriteLine($"unknown probe {name}; known: {string.Join(", ", Probes.Keys)}");
            return 2;
        }

        try
        {
            var t = probe();
            Console.Out.WriteLine($"ok [{string.Join(", ", t.shape)}]");
        }
        catch (Exception e)
        {
            Console.Out.WriteLine($"managed {e.GetType().Name}: {e.Message.Split('\n')[0]}");
        }

        return 0;
    }
}
