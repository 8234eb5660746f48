using System.Globalization;
using System.Runtime.InteropServices;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// Gives back the resident pages of the process's read-only file mappings: the runtime's, the framework's and the
/// server's assemblies and native libraries. Start-up reads most of every assembly it loads (metadata, code it runs
/// once), and the kernel maps whole neighbourhoods of each page touched, so at idle two thirds of the process's memory
/// were these clean pages, though a quiet server uses under half of them (docs/benchmarks.md, forty-sixth round).
/// <c>MADV_PAGEOUT</c> (Linux 5.4) unmaps them and drops them from the page cache unless another process maps them; the
/// ones the server needs again are read back on first use. Writable mappings are left alone (their written pages would
/// go to swap), and so is shared memory, which the kernel could only unmap, not free.
/// </summary>
public static class MappedFilePages
{
    private const int MadvPageout = 21;

    /// <summary>Pages out what it can; returns the bytes of address space advised (0 off Linux or on an older kernel).</summary>
    public static long PageOut()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        long advised = 0;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // A refusal is the mapping's (gone since the list was read, locked) or the kernel's (older than 5.4, where
            // every call fails, cheaply): the others are still worth asking for.
            if (TryParseReadOnlyFileMapping(line, out var start, out var length) && Madvise((nint)start, (nuint)length, MadvPageout) == 0)
                advised += (long)length;
        }

        return advised;
    }

    /// <summary>
    /// One line of <c>/proc/self/maps</c> ("start-end perms offset dev inode path"): true for a mapping of a file on
    /// disk that the process cannot write through.
    /// </summary>
    public static bool TryParseReadOnlyFileMapping(string line, out ulong start, out ulong length)
    {
        start = length = 0;
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6) return false;
        var (perms, path) = (fields[1], fields[5].Trim());
        if (perms.Length < 2 || perms[0] != 'r' || perms[1] != '-') return false;
        // memfd (the runtime's double-mapped code), /dev/shm and System V segments are shared memory; a deleted file
        // may be one of them too.
        if (!path.StartsWith('/') || path.StartsWith("/memfd:", StringComparison.Ordinal)
            || path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/SYSV", StringComparison.Ordinal)
            || path.EndsWith("(deleted)", StringComparison.Ordinal))
            return false;

        var range = fields[0].Split('-');
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out start)
            || !ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
            || end <= start)
            return false;
        length = end - start;
        return true;
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
