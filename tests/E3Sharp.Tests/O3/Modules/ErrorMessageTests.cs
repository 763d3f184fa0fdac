using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.O3.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.O3.Modules;

/// <summary>Errors name the module, the expected irreps/dimension and what came.</summary>
public class ErrorMessageTests
{
    [Fact]
    public void TensorProductRejectsWrongInputs()
    {
        using var scope = NewDisposeScope();
        var tp = new FullyConnectedTensorProduct("2x0e+1x1o", "1x0e+1x1o", "2x0e+1x1o", dtype: ScalarType.Float32);
        var x = randn(new long[] { 4, 5 });
        var y = randn(new long[] { 4, 4 });
        var e = Assert.Throws<ArgumentException>(() => tp.forward(randn(new long[] { 4, 4 }), y));
        Assert.Equal(
            "FullyConnectedTensorProduct(2x0e+1x1o x 1x0e+1x1o -> 2x0e+1x1o | 9 paths | 9 weights): input 'x' must have " +
            "irreps 2x0e+1x1o (last dimension 5), but got a tensor of shape [4, 4]. (Parameter 'x')",
            e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.forward(x, y.to(ScalarType.Float64)));
        Assert.Contains("input 'y' has dtype Float64, but the module's dtype is Float32.", e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.forward(x, y, randn(new long[] { 8 })));
        Assert.Contains("input 'weight' must have last dimension 9 (shared weights) and no batch dimensions, but got a tensor of shape [8]", e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.forward(tensor(1.0f), y));
        Assert.Contains("but got a tensor of shape [].", e.Message);

        var external = new FullyConnectedTensorProduct("2x0e", "0e", "2x0e", sharedWeights: false);
        e = Assert.Throws<ArgumentException>(() => external.forward(randn(new long[] { 3, 2 }), randn(new long[] { 3, 1 })));
        Assert.Contains("FullyConnectedTensorProduct(2x0e x 1x0e -> 2x0e | 4 paths | 4 weights): weights must be provided", e.Message);
        Assert.Contains("[..., 4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => external.forward(randn(new long[] { 3, 2 }), randn(new long[] { 3, 1 }), randn(new long[] { 4 })));
        Assert.Contains("input 'weight' must have last dimension 4 (sharedWeights: false) and at least 1 batch dimension(s), but got a tensor of shape [4]", e.Message);
        e = Assert.Throws<ArgumentException>(() => tp.Right(x));
        Assert.Contains("input 'y' must have irreps 1x0e+1x1o (last dimension 4)", e.Message);
    }

    [Fact]
    public void TensorProductRejectsBadInstructions()
    {
        var e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x1o", new[] { new Instruction(0, 0, 0, "uvw", true) }));
        Assert.Equal("TensorProduct(1x1o x 1x1o -> 1x1o): instruction 0 (1o x 1o -> 1o) is not allowed: the output must " +
                     "satisfy |l1 - l2| <= l <= l1 + l2 and p = p1 p2. (Parameter 'instructions')", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x1e", new[] { new Instruction(0, 0, 0, "uvx", true) }));
        Assert.Contains("instruction 0 has connection mode \"uvx\"; expected one of \"uvw\", \"uvu\"", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x1e", new[] { new Instruction(0, 1, 0, "uvw", true) }));
        Assert.Contains("instruction 0 has i_in2 = 1, but irrepsIn2 has 1 entries", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("2x1o", "3x1o", "2x1e", new[] { new Instruction(0, 0, 0, "uuu", false) }));
        Assert.Contains("mode \"uuu\" needs mul_in1 == mul_in2 == mul_out, got 2, 3, 2", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x1e", new[] { new Instruction(0, 0, 0, "uvw", false) }));
        Assert.Contains("mode \"uvw\" needs weights", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x1e", new[] { new Instruction(0, 0, 0, "uvw", true) }, irrepNormalization: "bad"));
        Assert.Contains("irrepNormalization must be \"component\", \"norm\" or \"none\", got \"bad\"", e.Message);
        e = Assert.Throws<ArgumentException>(() =>
            new TensorProduct("1x1o", "1x1o", "1x1e", new[] { new Instruction(0, 0, 0, "uvw", true) }, in1Var: new[] { 1.0, 2.0 }));
        Assert.Contains("in1Var has 2 entries but the irreps have 1", e.Message);
        e = Assert.Throws<ArgumentException>(() => new ElementwiseTensorProduct("2x1o", "3x0e"));
        Assert.Contains("both inputs must have the same number of irreps, but 2x1o has 2 and 3x0e has 3", e.Message);
        e = Assert.Throws<ArgumentException>(() => new TensorSquare("1o", "1e", new Irrep[] { "0e" }));
        Assert.Contains("both irrepsOut and filterIrOut are given", e.Message);
    }

    [Fact]
    public void LinearErrors()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => new Linear("1x0e", "1x0e", instructions: new[] { (3, 0) }));
        Assert.Contains("Linear(1x0e -> 1x0e): 3 is not a valid index for irreps_in", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Linear("1x0e+1x1o", "1x0e", instructions: new[] { (1, 0) }));
        Assert.Contains("instruction (1, 0) connects 1o to 0e; a linear path needs the same irrep", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Linear("1x1o", "1x1o", new[] { true }));
        Assert.Contains("output 0 (1x1o) is not a scalar (0e) and cannot have a bias", e.Message);
        var lin = new Linear("2x0e+1x1o", "1x0e");
        e = Assert.Throws<ArgumentException>(() => lin.forward(randn(new long[] { 3, 4 })));
        Assert.Equal("Linear(2x0e+1x1o -> 1x0e | 2 weights): input 'features' must have irreps 2x0e+1x1o (last dimension 5), " +
                     "but got a tensor of shape [3, 4]. (Parameter 'features')", e.Message);
        var external = new Linear("2x0e", "1x0e", internalWeights: false);
        e = Assert.Throws<ArgumentException>(() => external.forward(randn(new long[] { 3, 2 })));
        Assert.Contains("weight must be provided when the layer has no internal weights (expected shape [2])", e.Message);
    }

    [Fact]
    public void NnErrors()
    {
        using var scope = NewDisposeScope();
        var e = Assert.Throws<ArgumentException>(() => new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() },
            "1x1o", new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o"));
        Assert.Contains("Gate: gate scalars must be scalars, instead got irreps_gates = 1x1o", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Gate("1x1o", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() },
            "1x0e", new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o"));
        Assert.Contains("Gate: scalars must be scalars, instead got irreps_scalars = 1x1o", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Gate("", Array.Empty<nn.Module<Tensor, Tensor>?>(),
            "2x0e", new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o"));
        Assert.Contains("there are 1 irreps in irreps_gated (1x1o), but a different number (2) of gate scalars", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Activation("1x0o", new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }));
        Assert.Contains("the parity is violated! Entry 0 of 1x0o (1x0o) is odd but the activation", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Activation("1x1o", new nn.Module<Tensor, Tensor>?[] { nn.Tanh() }));
        Assert.Contains("cannot apply an activation function to a non-scalar input", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Activation("1x0e+1x0e", new nn.Module<Tensor, Tensor>?[] { nn.Tanh() }));
        Assert.Contains("irreps_in 1x0e+1x0e has 2 entries but 1 activation functions were given", e.Message);
        var gate = new Gate("2x0e", new nn.Module<Tensor, Tensor>?[] { nn.SiLU() }, "1x0e",
            new nn.Module<Tensor, Tensor>?[] { nn.Sigmoid() }, "1x1o");
        e = Assert.Throws<ArgumentException>(() => gate.forward(randn(new long[] { 2, 5 })));
        Assert.Contains("Gate (3x0e+1x1o -> 2x0e+1x1o): input 'features' must have irreps 3x0e+1x1o (last dimension 6)", e.Message);
        e = Assert.Throws<ArgumentException>(() => new Extract("1e+0e", new Irreps[] { "0e" }, new IReadOnlyList<int>[] { new[] { 0 } }));
        Assert.Contains("output 0 entry 0 is 1x0e but input irrep 0 is 1x1e", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SphericalHarmonics("1x1e+1x2e", true, "component", "1x1o"));
        Assert.Contains("asks for an output of l = 1 with parity p = 1, which is inconsistent with the input parity -1", e.Message);
        e = Assert.Throws<ArgumentException>(() => new SphericalHarmonics(new[] { 1 }, true, "component", "2x1o"));
        Assert.Contains("irreps_in must be either a vector (1x1o) or a pseudovector (1x1e), not 2x1o", e.Message);
        var sh = SphericalHarmonics.ForLmax(2, true);
        e = Assert.Throws<ArgumentException>(() => sh.forward(randn(new long[] { 2, 4 })));
        Assert.Contains("SphericalHarmonics([0, 1, 2], normalize=True, normalization=integral): input 'x' must have irreps 1x1o (last dimension 3)", e.Message);
        var norm = new Norm("2x0e+1x1o", dtype: ScalarType.Float64);
        e = Assert.Throws<ArgumentException>(() => norm.forward(randn(new long[] { 2, 5 })));
        Assert.Contains("Norm(2x0e+1x1o): input 'features' has dtype Float32, but the module's dtype is Float64.", e.Message);
    }
}
