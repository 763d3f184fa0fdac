using System.Runtime.InteropServices;

namespace E3Sharp.Jit;

public static partial class TorchScript
{
    /// <summary>
    /// Whether LibTorch's TorchScript graph executor optimises the graphs of compiled modules (PyTorch's
    /// <c>torch._C._set_graph_executor_optimize</c>; on by default). With it on, a graph run under autograd gets
    /// TorchScript's own symbolic gradients (differentiable subgraphs); for a potential's forces and a training step
    /// with <c>create_graph</c> those were slower than eager autograd (bench/RESULTS.md). Off, a compiled module runs its
    /// operations with eager autograd, as fast as the eager module. Per thread: LibTorch keeps it thread-local and reads
    /// it on each call of a compiled method until that method has its optimised plan (built on an early call made
    /// with the setting on, on any thread); from then on the method keeps that plan whatever the setting, on every
    /// thread. So set it before a module's first calls, on every thread that calls it.
    /// </summary>
    /// <exception cref="PlatformNotSupportedException">LibTorch's entry point is not found (its C++ name is looked up,
    /// which holds for the Linux and macOS builds).</exception>
    public static bool GraphExecutorOptimize
    {
        get => Call(() => ExecutorNative.Get());
        set => Call(() => { ExecutorNative.Set(value); return true; });
    }

    private static bool Call(Func<bool> f)
    {
        try
        {
            return f();
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            throw new PlatformNotSupportedException(
                "TorchScript.GraphExecutorOptimize: LibTorch's torch::jit::{get,set}GraphExecutorOptimize was not found " +
                "in libtorch_cpu on this platform.", e);
        }
    }

    private static class ExecutorNative
    {
        [DllImport("libtorch_cpu", EntryPoint = "_ZN5torch3jit24getGraphExecutorOptimizeEv")]
        [return: MarshalAs(UnmanagedType.U1)]
        internal static extern bool Get();

        [DllImport("libtorch_cpu", EntryPoint = "_ZN5torch3jit24setGraphExecutorOptimizeEb")]
        internal static extern void Set([MarshalAs(UnmanagedType.U1)] bool optimize);
    }
}
