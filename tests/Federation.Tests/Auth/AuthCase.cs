using Matrix.Federation.Auth;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Auth;

/// <summary>
/// One row of an auth-rule table: the room versions it applies to, what it stages and authorizes, and
/// either null (allowed) or a fragment the rejection reason must contain (so the intended rule fired).
/// </summary>
internal sealed record AuthCase(string Name, Func<RoomVersion, bool> AppliesTo, Func<TestRoom, AuthResult> Run, string? Rejection)
{
    public static bool All(RoomVersion _) => true;

    /// <summary>The (case, version) pairs of a table, as xunit member data.</summary>
    public static TheoryData<string, string> Expand(IEnumerable<AuthCase> table)
    {
        var data = new TheoryData<string, string>();
        foreach (var row in table)
        {
            foreach (var version in RoomVersions.All.Where(row.AppliesTo)) data.Add(row.Name, version.Id);
        }

        return data;
    }

    public static void Verify(IEnumerable<AuthCase> table, string name, string versionId)
    {
        var row = table.Single(c => c.Name == name);
        var result = row.Run(TestRoom.Standard(RoomVersions.Find(versionId)!));
        if (row.Rejection is null)
        {
            Assert.True(result.IsAllowed, $"expected allowed, got: {result.RejectionReason}");
        }
        else
        {
            Assert.False(result.IsAllowed, "expected a rejection");
            Assert.Contains(row.Rejection, result.RejectionReason, StringComparison.Ordinal);
        }
    }
}
