using TorchSharp;

namespace E3Sharp.Tests;

public class SmokeTests
{
    [Fact]
    public void TorchSharpNativeLibraryLoads()
    {
        using var t = torch.ones(2, 3);
        Assert.Equal(6.0, t.sum().item<float>());
    }
}
