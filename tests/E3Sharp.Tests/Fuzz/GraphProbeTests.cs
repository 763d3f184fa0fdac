namespace E3Sharp.Tests.Fuzz;

/// <summary>
/// Bad inputs to GraphOps.Scatter / RadiusGraph, Nn.RadiusGraph and E3nnMath.SoftOneHotLinspace, each in a child
/// process (tests/E3Sharp.FuzzHost <c>graph &lt;probe&gt;</c>) so that a LibTorch abort fails this test instead of
/// killing the run: each must end in a managed ArgumentException with a message naming the function and the bad value.
/// </summary>
public class GraphProbeTests
{
    private static string Probe(string name) => ChildHost.Run("graph", name);

    [Theory]
    [InlineData("scatter-index-too-large", "Scatter: index values must lie in [0, dimSize) = [0, 3), got values from 0 to 5.")]
    [InlineData("scatter-index-negative", "Scatter: index values must lie in [0, dimSize) = [0, 3), got values from -1 to 2.")]
    [InlineData("scatter-mean-index-too-large", "Scatter: index values must lie in [0, dimSize) = [0, 3), got values from 0 to 3.")]
    [InlineData("scatter-max-index-too-large", "Scatter: index values must lie in [0, dimSize) = [0, 3), got values from 0 to 3.")]
    [InlineData("scatter-index-int32", "Scatter: index must be an int64 vector with one entry per row of src; got src of shape [3, 2] and index of shape [3], dtype Int32.")]
    [InlineData("scatter-index-float", "dtype Float32.")]
    [InlineData("scatter-negative-size", "Scatter: dimSize must be non-negative, got -2.")]
    [InlineData("scatter-index-length", "got src of shape [3, 2] and index of shape [2], dtype Int64.")]
    [InlineData("scatter-src-scalar", "got src of shape [] and index of shape [1]")]
    [InlineData("radius-batch-int32", "RadiusGraph: batch must be an int64 vector with one entry per point (4), got shape [4], dtype Int32.")]
    [InlineData("radius-batch-length", "RadiusGraph: batch must be an int64 vector with one entry per point (4), got shape [3], dtype Int64.")]
    [InlineData("radius-pos-rank1", "RadiusGraph: pos must have shape [N, 3] (points by coordinates), got [4].")]
    [InlineData("radius-negative-neighbours", "RadiusGraph: maxNumNeighbors must be non-negative, got -1.")]
    [InlineData("radius-module-batch-float", "RadiusGraph(rMax=1, maxNumNeighbors=32): input 'batch' has dtype Float32, but it must be Int64.")]
    [InlineData("soft-one-hot-number-0", "SoftOneHotLinspace: number=0 is too small for basis \"gaussian\"")]
    [InlineData("soft-one-hot-number-negative", "SoftOneHotLinspace: number=-3 is too small for basis \"bessel\"")]
    [InlineData("soft-one-hot-unknown-basis", "SoftOneHotLinspace: basis=\"spline\" is not a valid entry")]
    public void BadInputThrowsAManagedException(string probe, string message)
    {
        var line = Probe(probe);
        Assert.StartsWith("managed ArgumentException: ", line);
        Assert.Contains(message, line);
    }

    [Fact]
    public void AnEmptyScatterIsZeros()
    {
        // No index to check: [0, 2] rows into 4 zero rows.
        Assert.Equal("ok [4, 2]", Probe("scatter-empty"));
    }
}
