using System.Runtime.InteropServices;

namespace E3Sharp;

/// <summary>
/// The C allocator under LibTorch's CPU tensors. On Linux, glibc's malloc serves blocks above its mmap threshold
/// (at most 32 MB) with fresh <c>mmap</c> pages and trims freed memory at the heap's top back to the system, so a
/// potential's energy+forces call on thousands of edges page-faults in its large intermediates again on every call;
/// that kernel work can take longer than the arithmetic (measured in bench/RESULTS.md).
/// </summary>
/// <remarks>
/// <see cref="KeepFreedMemory"/> is process-wide and opt-in: after it, freed blocks stay in the process and are reused,
/// so the resident size stays at its peak instead of returning to the system between calls. Processes that do not run
/// E3Sharp code (LAMMPS with pair_nequip or pair_allegro) get the same with the environment variables
/// <c>MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=2147483647</c>.
/// <example>
/// <code>
/// TorchAllocator.KeepFreedMemory();   // first thing in Main of an MD driver or a training program
/// </code>
/// </example>
/// </remarks>
public static class TorchAllocator
{
    private const int MTrimThreshold = -1;
    private const int MMmapMax = -4;

    /// <summary>
    /// Tells glibc's malloc to serve every block from its heaps (no <c>mmap</c> per large block) and never to trim
    /// them, so LibTorch reuses the pages of freed tensors.
    /// </summary>
    /// <returns><c>true</c> when glibc accepted both settings; <c>false</c> where the C library is not glibc (Windows,
    /// macOS, musl), which is left as it is.</returns>
    public static bool KeepFreedMemory()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            _ = Native.gnu_get_libc_version();
            return Native.mallopt(MMmapMax, 0) == 1 & Native.mallopt(MTrimThreshold, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    private static class Native
    {
        [DllImport("libc", CallingConvention = CallingConvention.Cdecl)]
        internal static extern int mallopt(int param, int value);

        [DllImport("libc", CallingConvention = CallingConvention.Cdecl)]
        internal static extern IntPtr gnu_get_libc_version();
    }
}
