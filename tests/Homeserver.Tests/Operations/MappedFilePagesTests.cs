using System.IO.MemoryMappedFiles;
using System.Text.RegularExpressions;
using Matrix.Homeserver.Operations;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>What the idle collector gives back of the process's mapped files, and what it leaves alone.</summary>
public sealed partial class MappedFilePagesTests
{
    [Theory]
    [InlineData("7f451de00000-7f451ecdb000 r--s 00000000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", true)]
    [InlineData("7f50fa470000-7f50fafbc000 r-xp 00000000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", true)]
    [InlineData("7f5179400000-7f51794bd000 r--p 00000000 fe:00 351014   /usr/share/dotnet/libcoreclr.so", true)]
    // Written pages of a private mapping would go to swap.
    [InlineData("7f50fafdc000-7f50fb35e000 rw-p 00b4c000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", false)]
    // Shared memory: the kernel could only unmap it, not free it.
    [InlineData("7f4500000000-7f4501000000 r-xs 00000000 00:01 1024     /memfd:doublemapper (deleted)", false)]
    [InlineData("7f4500000000-7f4501000000 r--s 00000000 00:19 7        /dev/shm/segment", false)]
    [InlineData("7f4500000000-7f4501000000 r--p 00000000 fe:00 350922   /opt/app/old.dll (deleted)", false)]
    [InlineData("7f4500000000-7f4501000000 r--p 00000000 00:00 0        [vvar]", false)]
    [InlineData("7f4500000000-7f4501000000 r--p 00000000 00:00 0", false)]
    [InlineData("7f4500000000-7f4501000000 ---p 00000000 fe:00 350922   /usr/lib/libc.so.6", false)]
    public void Only_mappings_of_files_on_disk_the_process_cannot_write_are_given_back(string line, bool expected)
    {
        Assert.Equal(expected, MappedFilePages.TryParseReadOnlyFileMapping(line, out _, out _));
    }

    [Fact]
    public void A_mappings_range_is_read_from_its_line()
    {
        Assert.True(MappedFilePages.TryParseReadOnlyFileMapping(
            "7f451de00000-7f451ecdb000 r--s 00000000 fe:00 350922   /usr/share/dotnet/System.Private.CoreLib.dll", out var start, out var length));
        Assert.Equal(0x7f451de00000UL, start);
        Assert.Equal(0xedb000UL, length);
    }

    [Fact]
    public void The_pages_of_a_read_only_mapping_leave_the_process_until_read_again()
    {
        if (!OperatingSystem.IsLinux()) return;
        var path = Path.Combine(Path.GetTempPath(), $"mapped-{Guid.NewGuid():N}.bin");
        try
        {
            const int size = 4 << 20;
            File.WriteAllBytes(path, Enumerable.Range(0, size).Select(i => (byte)i).ToArray());
            using var file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            using var view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            long sum = 0;
            for (var offset = 0; offset < size; offset += 4096) sum += view.ReadByte(offset);
            Assert.True(ResidentKiB(path) >= 3 << 10, $"{ResidentKiB(path)} KiB resident after reading the file");

            Assert.True(MappedFilePages.PageOut() >= size);
            Assert.True(ResidentKiB(path) < 256, $"{ResidentKiB(path)} KiB still resident");

            // Read again, the same bytes come back.
            long again = 0;
            for (var offset = 0; offset < size; offset += 4096) again += view.ReadByte(offset);
            Assert.Equal(sum, again);
            Assert.True(ResidentKiB(path) >= 3 << 10);
        }
        finally
        {
            File.Delete(path);
        }
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
}
