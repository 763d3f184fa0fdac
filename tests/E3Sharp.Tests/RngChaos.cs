using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace E3Sharp.Tests;

/// <summary>
/// With <c>E3SHARP_RNG_CHAOS=1</c>, a background thread keeps drawing from the global torch generator while the tests
/// run, so each test sees a different random stream (as when other test classes draw concurrently on a busy machine).
/// A test that passes only for its usual numbers fails under it; this is how the inaccurate matrix_exp behind
/// <see cref="E3Sharp.O3.Wigner.WignerD"/> was found.
/// </summary>
internal static class RngChaos
{
    [ModuleInitializer]
    internal static void Start()
    {
        if (Environment.GetEnvironmentVariable("E3SHARP_RNG_CHAOS") != "1") return;
        var t = new Thread(() =>
        {
            var r = new Random();
            while (true)
            {
                using (var scope = NewDisposeScope()) { rand(new long[] { r.Next(1, 50) }); }
                Thread.Sleep(r.Next(0, 3));
            }
        }) { IsBackground = true };
        t.Start();
    }
}
