namespace Matrix.Homeserver.Accounts.Filters;

/// <summary>Filter wildcards: '*' matches any run of characters, everything else itself.</summary>
public static class Glob
{
    /// <summary>Greedy matching with one backtrack point: O(value × pattern) at worst, no recursion.</summary>
    public static bool IsMatch(string value, string pattern)
    {
        int v = 0, p = 0, starP = -1, starV = 0;
        while (v < value.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                starP = p++;
                starV = v;
            }
            else if (p < pattern.Length && pattern[p] == value[v])
            {
                p++;
                v++;
            }
            else if (starP >= 0)
            {
                p = starP + 1;
                v = ++starV;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }
}
