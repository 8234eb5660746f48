using System.Globalization;
using System.Text.Json.Nodes;

namespace Matrix.Load;

/// <summary>The server's resident memory from /proc (Linux), when the load run was given its pid.</summary>
public static class ServerMemory
{
    public static JsonObject? Read(int? pid)
    {
        if (pid is not { } id || !File.Exists($"/proc/{id}/status")) return null;
        var result = new JsonObject();
        foreach (var line in File.ReadLines($"/proc/{id}/status"))
        {
            // "VmRSS:    123456 kB": current resident set; VmHWM is its peak.
            foreach (var (field, name) in new[] { ("VmRSS:", "rss_mib"), ("VmHWM:", "peak_rss_mib") })
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var kb = long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    result[name] = Math.Round(kb / 1024.0, 1);
                }
            }
        }

        return result;
    }
}
