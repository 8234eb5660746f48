using System.Runtime.InteropServices;
using Matrix.Homeserver.Operations;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>The C library's heap gives back the pages a burst freed, where the blocks left in between kept them.</summary>
public sealed class NativeHeapTests
{
    [Fact]
    public void Trimming_gives_back_the_free_pages_between_blocks_still_in_use()
    {
        // glibc's; the server's images and CI run on it.
        if (!OperatingSystem.IsLinux()) return;
        const int blocks = 400, size = 64 << 10;
        // Freed blocks sit between blocks still in use, so freeing them alone gives nothing back: 25 MiB of holes.
        var kept = new nint[blocks];
        var freed = new nint[blocks];
        for (var i = 0; i < blocks; i++)
        {
            freed[i] = Marshal.AllocHGlobal(size);
            kept[i] = Marshal.AllocHGlobal(size);
            Touch(freed[i], size);
            Touch(kept[i], size);
        }

        try
        {
            foreach (var block in freed) Marshal.FreeHGlobal(block);
            var before = AnonymousKiB();
            Assert.True(NativeHeap.Trim());
            var after = AnonymousKiB();
            Assert.True(before - after >= 12 << 10, $"{before} → {after} KiB of anonymous memory");
            // What is still in use is untouched.
            foreach (var block in kept) Assert.Equal(0x5A, Marshal.ReadByte(block, size - 1));
        }
        finally
        {
            foreach (var block in kept) Marshal.FreeHGlobal(block);
        }
    }

    private static void Touch(nint block, int size)
    {
        for (var offset = 0; offset < size; offset += 4096) Marshal.WriteByte(block, offset, 0x5A);
        Marshal.WriteByte(block, size - 1, 0x5A);
    }

    private static long AnonymousKiB() =>
        long.Parse(File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
}
