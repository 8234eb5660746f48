using System.Runtime.InteropServices;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// The C library's heap (the runtime's and native libraries' own allocations). glibc keeps what a burst freed in its
/// arenas for the next one, up to 32 MiB an arena once larger blocks have come and gone; <c>malloc_trim</c> hands the
/// free pages back to the kernel.
/// </summary>
public static class NativeHeap
{
    /// <summary>Gives back the heap's free pages; false where the C library has no <c>malloc_trim</c> (musl, not Linux).</summary>
    public static bool Trim()
    {
        if (!OperatingSystem.IsLinux()) return false;
        try
        {
            return MallocTrim(0) == 1;
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);
}
