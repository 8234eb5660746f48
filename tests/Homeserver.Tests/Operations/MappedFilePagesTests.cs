using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Matrix.Homeserver.Operations;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>What the idle collector gives back of the process's mapped files, and what it leaves alone.</summary>
public sealed partial class MappedFilePagesTests
{
    private const int FileSize = 4 << 20;

    [Theory]
    [InlineData("7f451de00000-7f451ecdb000 r--s 00000000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", false, true)]
    [InlineData("7f50fa470000-7f50fafbc000 r-xp 00000000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", false, false)]
    [InlineData("7f5179400000-7f51794bd000 r--p 00000000 fe:00 351014   /usr/share/dotnet/libcoreclr.so", false, false)]
    // A private mapping's written pages are found page by page, and left alone.
    [InlineData("7f50fafdc000-7f50fb35e000 rw-p 00b4c000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", true, false)]
    public void Mappings_of_files_on_disk_are_read_with_how_they_are_mapped(string line, bool writable, bool shared)
    {
        Assert.True(MappedFilePages.TryParseFileMapping(line, out var mapping));
        Assert.Equal((writable, shared), (mapping.Writable, mapping.Shared));
    }

    [Theory]
    // Shared memory: the kernel could only unmap it, not free it.
    [InlineData("7f4500000000-7f4501000000 r-xs 00000000 00:01 1024     /memfd:doublemapper (deleted)")]
    [InlineData("7f4500000000-7f4501000000 r--s 00000000 00:19 7        /dev/shm/segment")]
    [InlineData("7f4500000000-7f4501000000 r--p 00000000 fe:00 350922   /opt/app/old.dll (deleted)")]
    [InlineData("7f4500000000-7f4501000000 r--p 00000000 00:00 0        [vvar]")]
    [InlineData("7f4500000000-7f4501000000 r--p 00000000 00:00 0")]
    [InlineData("7f4500000000-7f4501000000 ---p 00000000 fe:00 350922   /usr/lib/libc.so.6")]
    public void Shared_memory_anonymous_and_unreadable_mappings_are_not_file_mappings(string line)
    {
        Assert.False(MappedFilePages.TryParseFileMapping(line, out _));
    }

    [Fact]
    public void A_mappings_range_is_read_from_its_line()
    {
        Assert.True(MappedFilePages.TryParseFileMapping(
            "7f451de00000-7f451ecdb000 r--s 00000000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", out var mapping));
        Assert.Equal(0x7f451de00000UL, mapping.Start);
        Assert.Equal(0xedb000UL, mapping.Length);
    }

    [Fact]
    public void The_pages_of_a_read_only_shared_mapping_leave_the_process_until_read_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var file = new TemporaryFile();
        using var mapped = MemoryMappedFile.CreateFromFile(file.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        using var view = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        var sum = ReadEveryPage(view);
        Assert.True(ResidentKiB(file.Path) >= 3 << 10, $"{ResidentKiB(file.Path)} KiB resident after reading the file");

        Assert.True(MappedFilePages.Unmap() >= FileSize);
        Assert.True(ResidentKiB(file.Path) < 256, $"{ResidentKiB(file.Path)} KiB still resident");

        // Read again, the same bytes come back.
        Assert.Equal(sum, ReadEveryPage(view));
        Assert.True(ResidentKiB(file.Path) >= 3 << 10);
    }

    [Fact]
    public void A_private_mapping_gives_back_the_files_pages_and_keeps_the_ones_it_wrote()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var file = new TemporaryFile();
        using var mapped = MemoryMappedFile.CreateFromFile(file.Path, FileMode.Open, null, 0, MemoryMappedFileAccess.CopyOnWrite);
        using var view = mapped.CreateViewAccessor(0, 0, MemoryMappedFileAccess.CopyOnWrite);
        // The write comes first: it splits the kernel's mapping of the file's 2 MiB folio, whose other pages the reads map.
        view.Write(8192, (byte)0xAB);
        var sum = ReadEveryPage(view);
        Assert.True(ResidentKiB(file.Path) >= 3 << 10, $"{ResidentKiB(file.Path)} KiB resident after reading the file");

        // Unmapping leaves a writable mapping as it was: a page written meanwhile would be lost.
        MappedFilePages.Unmap();
        Assert.True(ResidentKiB(file.Path) >= 3 << 10, $"{ResidentKiB(file.Path)} KiB resident after unmapping");

        Assert.True(MappedFilePages.PageOut() >= FileSize - 4096);
        Assert.True(ResidentKiB(file.Path) < 256, $"{ResidentKiB(file.Path)} KiB still resident");

        // The written byte is the process's, not the file's; every other page reads back from the file.
        Assert.Equal(0xAB, view.ReadByte(8192));
        Assert.Equal(sum, ReadEveryPage(view));
    }

    [Fact]
    public void A_read_only_private_mapping_gives_back_the_files_pages_and_keeps_the_one_written_before_it_became_read_only()
    {
        if (!OperatingSystem.IsLinux()) return;
        using var file = new TemporaryFile();
        using var handle = File.OpenHandle(file.Path);
        // How a loader maps a library's code: privately, relocations written, then read-only.
        var start = Mmap(0, FileSize, ProtRead | ProtWrite, MapPrivate, (int)handle.DangerousGetHandle(), 0);
        Assert.NotEqual(MapFailed, start);
        try
        {
            Marshal.WriteByte(start + 8192, 0xAB);
            Assert.Equal(0, Mprotect(start, FileSize, ProtRead));
            var sum = ReadEveryPage(start);
            Assert.True(ResidentKiB(file.Path) >= 3 << 10, $"{ResidentKiB(file.Path)} KiB resident after reading the file");

            Assert.True(MappedFilePages.Unmap() >= FileSize - 4096);
            Assert.True(ResidentKiB(file.Path) < 256, $"{ResidentKiB(file.Path)} KiB still resident");

            Assert.Equal(0xAB, Marshal.ReadByte(start + 8192));
            Assert.Equal(sum, ReadEveryPage(start));
        }
        finally
        {
            _ = Munmap(start, FileSize);
        }
    }

    private static long ReadEveryPage(nint start)
    {
        long sum = 0;
        for (var offset = 0; offset < FileSize; offset += 4096) sum += Marshal.ReadByte(start + offset);
        return sum;
    }

    private const int ProtRead = 1, ProtWrite = 2, MapPrivate = 2;
    private static readonly nint MapFailed = -1;

    [DllImport("libc", EntryPoint = "mmap", SetLastError = true)]
    private static extern nint Mmap(nint address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc", EntryPoint = "mprotect", SetLastError = true)]
    private static extern int Mprotect(nint address, nuint length, int protection);

    [DllImport("libc", EntryPoint = "munmap", SetLastError = true)]
    private static extern int Munmap(nint address, nuint length);

    private static long ReadEveryPage(MemoryMappedViewAccessor view)
    {
        long sum = 0;
        for (var offset = 0; offset < FileSize; offset += 4096) sum += view.ReadByte(offset);
        return sum;
    }

    /// <summary>The resident KiB of the process's mappings of <paramref name="path"/>, from /proc/self/smaps.</summary>
    private static long ResidentKiB(string path)
    {
        long kib = 0;
        var inFile = false;
        foreach (var line in File.ReadLines("/proc/self/smaps"))
        {
            var header = MappingHeader().Match(line);
            if (header.Success) inFile = header.Groups[1].Value.Trim() == path;
            else if (inFile && line.StartsWith("Rss:", StringComparison.Ordinal)) kib += long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        }

        return kib;
    }

    [GeneratedRegex(@"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")]
    private static partial Regex MappingHeader();

    /// <summary>
    /// A 4 MiB file whose byte at each offset is the offset's low byte, on disk: the kernel pages out clean pages of the
    /// page cache, not ones still to be written.
    /// </summary>
    private sealed class TemporaryFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"mapped-{Guid.NewGuid():N}.bin");

        public TemporaryFile()
        {
            using var stream = new FileStream(Path, FileMode.CreateNew, FileAccess.Write);
            stream.Write(Enumerable.Range(0, FileSize).Select(i => (byte)i).ToArray());
            stream.Flush(flushToDisk: true);
        }

        public void Dispose() => File.Delete(Path);
    }
}
