using System.Text.Json.Nodes;
using Matrix.Federation.Auth;
using Matrix.Federation.Rooms;

namespace Matrix.Federation.Tests.Auth;

/// <summary>How each room version reads one power level value (the spec's "stringy" and "floaty" legacy forms).</summary>
public sealed class PowerLevelValueTests
{
    [Theory]
    [InlineData("100", 100L)]
    [InlineData("-5", -5L)]
    [InlineData("\"100\"", 100L)]
    [InlineData("\"000100\"", 100L)]
    [InlineData("\"+100\"", 100L)]
    [InlineData("\" -100 \"", -100L)]
    [InlineData("50.9", 50L)]
    [InlineData("-50.9", -50L)]
    [InlineData("5.114698E4", 51146L)]
    public void Version_1_accepts_integers_strings_and_floats(string json, long expected)
    {
        Assert.True(PowerLevelValue.TryParse(JsonNode.Parse(json), RoomVersions.V1, out var level));
        Assert.Equal(expected, level);
    }

    [Theory]
    [InlineData("\"1_000\"")]
    [InlineData("\"1.0\"")]
    [InlineData("\"\"")]
    [InlineData("\"+\"")]
    [InlineData("\"--1\"")]
    [InlineData("\"ten\"")]
    [InlineData("true")]
    [InlineData("null")]
    [InlineData("[1]")]
    [InlineData("{\"a\": 1}")]
    public void No_version_accepts_malformed_values(string json)
    {
        foreach (var version in RoomVersions.All) Assert.False(PowerLevelValue.TryParse(JsonNode.Parse(json), version, out _), version.Id);
    }

    [Theory]
    [MemberData(nameof(Versions.All), MemberType = typeof(Versions))]
    public void Strings_end_at_v10_and_floats_at_v6(string versionId)
    {
        var version = RoomVersions.Find(versionId)!;
        Assert.Equal(!version.EnforceIntPowerLevels, PowerLevelValue.TryParse(JsonNode.Parse("\"50\""), version, out _));
        Assert.Equal(!version.StrictCanonicalJson, PowerLevelValue.TryParse(JsonNode.Parse("50.5"), version, out _));
        Assert.True(PowerLevelValue.TryParse(JsonNode.Parse("50"), version, out var level));
        Assert.Equal(50, level);
    }
}
