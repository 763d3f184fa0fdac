using E3Sharp.Jit.Serialization;
using E3Sharp.Nn;
using E3Sharp.O3;
using E3Sharp.Testing;
using TorchSharp;
using static E3Sharp.Tests.O3.Modules.ModuleTestUtil;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Nn;

/// <summary>e3nn.nn.Identity.</summary>
public class IdentityTests
{
    [Fact]
    public void ReturnsItsInputCompilesAndChecksTheIrreps()
    {
        using var scope = NewDisposeScope();
        var id = new Identity(new Irreps("1x0e + 1x0e + 1x1o"), new Irreps("2x0e+1x1o"));
        Assert.Equal("Identity(2x0e+1x1o -> 2x0e+1x1o)", id.ToString());   // e3nn's repr
        Assert.Equal(new[] { "output_mask" }, id.state_dict().Keys.ToArray());
        var x = new Irreps("2x0e+1x1o").Randn(3, -1);
        AssertClose(x, id.forward(x), 0, "eager");
        var compiled = Assertions.AssertAutoJitable(id);
        AssertClose(x, (Tensor)compiled.invoke("forward", x), 0, "compiled");
        Assertions.AssertEquivariant(id);
        Interop.Record("parity_identity_f32", TorchScriptArchive.SaveToBytes(compiled), "forward", new[] { x }, new[] { x });
        Assert.Throws<ArgumentException>(() => new Identity(new Irreps("1x0e"), new Irreps("1x0o")));
    }
}
