using System.Text.Json;
using E3Sharp.Jit.Serialization;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit;

/// <summary>An archive written by PyTorch 1.13 (torch.jit.script + torch.jit.save) loads and runs in TorchSharp.</summary>
public class PyTorchArchiveTests
{
    [Fact]
    public void PyTorchScriptedArchiveLoadsAndMatchesPyTorchOutputs()
    {
        using var scope = NewDisposeScope();
        var dir = Interop.PyTorchArchives();
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "pytorch_scripted.json")));
        var side = doc.RootElement;
        using var module = TorchScriptArchive.Load(Path.Combine(dir, side.GetProperty("archive").GetString()!));
        var inputs = Interop.ReadTensors(side.GetProperty("inputs"));
        var expected = Interop.ReadTensors(side.GetProperty("outputs"));
        var actual = Interop.Flatten(module.invoke(side.GetProperty("method").GetString()!, inputs.Cast<object>().ToArray()));
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].shape, actual[i].shape);
            Assert.True(allclose(actual[i], expected[i], rtol: 1e-6, atol: 1e-6), $"output {i} differs");
        }

        Assert.Equal(side.GetProperty("parameters").EnumerateArray().Select(e => e.GetString()).ToArray(),
            module.named_parameters().Select(p => p.name).ToArray());
        Assert.Equal(side.GetProperty("buffers").EnumerateArray().Select(e => e.GetString()).ToArray(),
            module.named_buffers().Select(p => p.name).ToArray());
    }
}
