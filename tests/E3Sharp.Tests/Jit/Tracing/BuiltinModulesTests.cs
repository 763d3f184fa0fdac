using E3Sharp.Jit;
using E3Sharp.Jit.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace E3Sharp.Tests.Jit.Tracing;

public class BuiltinModulesTests
{
    [Fact]
    public void SequentialOfBuiltinsConvertsAndMatchesEager()
    {
        using var scope = NewDisposeScope();
        manual_seed(11);
        var seq = nn.Sequential(nn.Linear(4, 6), nn.SiLU(), nn.LayerNorm(6), nn.Identity(), nn.Linear(6, 5, hasBias: false),
            nn.Softplus(2.0, 10.0), nn.GELU(), nn.ReLU(), nn.Tanh(), nn.Sigmoid(), nn.Dropout(0.5));
        seq.eval();
        var ir = BuiltinModules.TryConvert(seq, new CompileContext());
        Assert.NotNull(ir);
        var archive = TorchScriptArchive.Write(ir!);
        using var loaded = TorchScriptArchive.Load(archive);
        var x = randn(7, 4);
        TracerEndToEndTests.AssertClose(seq.forward(x), (Tensor)loaded.forward(x), 1e-6);
        // Items keep their names ("0.weight", as PyTorch names them: __annotations__["0"], getattr(self, "0")), so the
        // eager state_dict loads into the compiled module.
        Assert.Equal(seq.named_parameters().Select(p => p.name).Order(), loaded.named_parameters().Select(p => p.name).Order());
        Assert.Contains("getattr(self, \"4\")", string.Concat(TorchScriptArchive.PrintCode(ir!).Values));

        // dropout follows the loaded module's mode
        loaded.train();
        var trained = (Tensor)loaded.forward(ones(200, 4));
        loaded.eval();
        var evaluated = (Tensor)loaded.forward(ones(200, 4));
        Assert.True((trained - evaluated).abs().max().item<float>() > 0.1f, "dropout must act in training mode");
        Interop.Record("builtin_sequential", archive, "forward", [x], [(Tensor)loaded.forward(x)]);
    }

    [Fact]
    public void EmbeddingAndGeluTanhConvert()
    {
        using var scope = NewDisposeScope();
        var emb = nn.Embedding(10, 3);
        var ir = BuiltinModules.TryConvert(emb, new CompileContext())!;
        using var loaded = TorchScriptArchive.Load(TorchScriptArchive.Write(ir));
        var tokens = tensor(new long[] { 1, 9, 0, 3 });
        TracerEndToEndTests.AssertClose(emb.forward(tokens), (Tensor)loaded.forward(tokens), 0);

        var gelu = nn.GELU(TorchSharp.Modules.GELU.Approximate.tanh);
        using var g = TorchScriptArchive.Load(TorchScriptArchive.Write(BuiltinModules.TryConvert(gelu, new CompileContext())!));
        var x = randn(5, 3);
        TracerEndToEndTests.AssertClose(gelu.forward(x), (Tensor)g.forward(x), 1e-6);
    }

    [Fact]
    public void UnsupportedModulesAreNotConverted()
    {
        using var scope = NewDisposeScope();
        Assert.Null(BuiltinModules.TryConvert(nn.Conv1d(2, 2, 1), new CompileContext()));
        Assert.Null(BuiltinModules.TryConvert(nn.Sequential(nn.ReLU(), nn.Conv1d(2, 2, 1)), new CompileContext()));
        Assert.False(BuiltinModules.IsSupported(typeof(TorchSharp.Modules.Conv1d)));
        Assert.True(BuiltinModules.IsSupported(typeof(TorchSharp.Modules.Dropout)));
    }
}
