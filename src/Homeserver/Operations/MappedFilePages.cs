using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Matrix.Homeserver.Operations;

/// <summary>
/// Gives back the resident pages of the process's file mappings: the runtime's, the framework's and the server's
/// assemblies and native libraries. Start-up reads most of every assembly it loads (metadata, code it runs once), and
/// the kernel maps whole neighbourhoods of each page touched, so at idle two thirds of the process's memory were these
/// clean pages, though a quiet server uses under half of them (docs/benchmarks.md, forty-sixth to forty-eighth rounds).
/// <list type="bullet">
/// <item>A read-only mapping's file pages are only unmapped (<c>MADV_DONTNEED</c>): they are the file's, so nothing is
/// lost, and they stay in the page cache, so the next request that needs one maps it again without reading the disk.
/// This covers how the runtime maps an assembly whole (shared), the code and read-only data of assemblies and native
/// libraries (private), and comes first: the kernel pages out nothing another mapping still holds.</item>
/// <item>A page out (<see cref="PageOut"/>) also drops them from the page cache, with <c>MADV_PAGEOUT</c> (Linux 5.4), and
/// reaches writable private mappings too: what is needed again is read back from the disk.</item>
/// <item>A private mapping's pages that the process has written (relocations, the runtime's data in an assembly's
/// writable sections) are its own, not the file's: they are found in <c>/proc/self/pagemap</c> and left alone, or they
/// would be lost (unmapped) or go to swap (paged out). A writable mapping is never only unmapped: a page written between
/// the page map's read and the unmapping would be lost.</item>
/// </list>
/// Shared memory (<c>memfd</c>, which holds the runtime's double-mapped code, <c>/dev/shm</c>, System V) is left alone:
/// the kernel could only unmap it, not free it.
/// </summary>
public static class MappedFilePages
{
    private const int MadvDontneed = 4;
    private const int MadvPageout = 21;
    private const ulong PagePresent = 1UL << 63;
    private const ulong PageOfFile = 1UL << 61;
    private const int PagesPerRead = 8192;

    /// <summary>
    /// Unmaps the read-only mappings' file pages, then pages out every private mapping's; returns the bytes advised (0 off
    /// Linux or on an older kernel).
    /// </summary>
    public static long PageOut() => GiveBack(pageOut: true);

    /// <summary>
    /// Only unmaps the read-only mappings' file pages: they stay in the page cache, so what the next requests need comes
    /// back without reading the disk (a minor fault maps a neighbourhood of cached pages at once).
    /// </summary>
    public static long Unmap() => GiveBack(pageOut: false);

    private static long GiveBack(bool pageOut)
    {
        if (!OperatingSystem.IsLinux()) return 0;
        long given = 0;
        try
        {
            var mappings = new List<FileMapping>();
            foreach (var line in File.ReadLines("/proc/self/maps"))
                if (TryParseFileMapping(line, out var mapping)) mappings.Add(mapping);

            // A refusal is the mapping's (gone since the list was read, locked) or the kernel's (older than 5.4, where
            // every call fails, cheaply): the others are still worth asking for.
            foreach (var mapping in mappings)
                if (mapping is { Shared: true, Writable: false } && Madvise(mapping.Start, mapping.Length, MadvDontneed) == 0)
                    given += (long)mapping.Length;

            using var pagemap = File.OpenHandle("/proc/self/pagemap");
            var entries = ArrayPool<byte>.Shared.Rent(PagesPerRead * sizeof(ulong));
            try
            {
                foreach (var mapping in mappings)
                    if (!mapping.Shared && (pageOut || !mapping.Writable))
                        given += GiveBackFilePages(pagemap, mapping, entries, pageOut ? MadvPageout : MadvDontneed);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(entries);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A sandbox that hides /proc/self/maps or the page map: which pages are the file's is unknown, so the rest
            // stay.
        }

        return given;
    }

    /// <summary>Advises each run of the mapping's resident pages that are still the file's.</summary>
    private static long GiveBackFilePages(SafeFileHandle pagemap, FileMapping mapping, byte[] entries, int advice)
    {
        var pageSize = (ulong)Environment.SystemPageSize;
        var (first, count) = (mapping.Start / pageSize, mapping.Length / pageSize);
        long given = 0;
        ulong runStart = 0, runPages = 0;
        for (ulong done = 0; done < count;)
        {
            var chunk = (int)Math.Min(count - done, PagesPerRead);
            var read = RandomAccess.Read(pagemap, entries.AsSpan(0, chunk * sizeof(ulong)), (long)((first + done) * sizeof(ulong)));
            if (read < chunk * sizeof(ulong)) break;
            for (var i = 0; i < chunk; i++, done++)
            {
                var entry = BinaryPrimitives.ReadUInt64LittleEndian(entries.AsSpan(i * sizeof(ulong)));
                if ((entry & (PagePresent | PageOfFile)) == (PagePresent | PageOfFile))
                {
                    if (runPages == 0) runStart = first + done;
                    runPages++;
                    continue;
                }

                given += AdviseRun(runStart, runPages, pageSize, advice);
                runPages = 0;
            }
        }

        return given + AdviseRun(runStart, runPages, pageSize, advice);
    }

    private static long AdviseRun(ulong firstPage, ulong pages, ulong pageSize, int advice) =>
        pages > 0 && Madvise(firstPage * pageSize, pages * pageSize, advice) == 0 ? (long)(pages * pageSize) : 0;

    /// <summary>A readable mapping of a file on disk, from one line of <c>/proc/self/maps</c>.</summary>
    public readonly record struct FileMapping(ulong Start, ulong Length, bool Writable, bool Shared);

    /// <summary>
    /// One line of <c>/proc/self/maps</c> ("start-end perms offset dev inode path"): true for a readable mapping of a
    /// file on disk, not of shared memory.
    /// </summary>
    public static bool TryParseFileMapping(string line, out FileMapping mapping)
    {
        mapping = default;
        var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 6) return false;
        var (perms, path) = (fields[1], fields[5].Trim());
        if (perms.Length < 4 || perms[0] != 'r') return false;
        // memfd (the runtime's double-mapped code), /dev/shm and System V segments are shared memory; a deleted file
        // may be one of them too.
        if (!path.StartsWith('/') || path.StartsWith("/memfd:", StringComparison.Ordinal)
            || path.StartsWith("/dev/", StringComparison.Ordinal) || path.StartsWith("/SYSV", StringComparison.Ordinal)
            || path.EndsWith("(deleted)", StringComparison.Ordinal))
            return false;

        var range = fields[0].Split('-');
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
            || end <= start)
            return false;
        mapping = new FileMapping(start, end - start, Writable: perms[1] == 'w', Shared: perms[3] == 's');
        return true;
    }

    [DllImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static extern int Madvise(nuint address, nuint length, int advice);

    private static int Madvise(ulong address, ulong length, int advice) => Madvise((nuint)address, (nuint)length, advice);
}
