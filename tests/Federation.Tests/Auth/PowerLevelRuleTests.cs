using Matrix.Federation.Events;
using static Matrix.Federation.Tests.Auth.TestRoom;

namespace Matrix.Federation.Tests.Auth;

/// <summary>The m.room.power_levels rules. Bob (50) makes most changes; Alice is the admin (or v12 creator).</summary>
public sealed class PowerLevelRuleTests
{
    private static readonly AuthCase[] Table =
    [
        new("initial power levels", AuthCase.All, r => TestRoom.Create(r.Version).Then(f => f.Join(Alice)).Let(f => f.Authorize(Levels(f, Alice, ""))), null),
        new("users key not a user ID", AuthCase.All, r => r.Authorize(r.NewEvent("m.room.power_levels", Alice, "", """{"users": {"bob": 10}}""")), "not a valid user ID"),
        new("users not an object", AuthCase.All, r => r.Authorize(r.NewEvent("m.room.power_levels", Alice, "", """{"users": [1]}""")), "'users' is not an object"),
        new("events not an object", AuthCase.All, r => r.Authorize(Levels(r, Alice, ", \"events\": 5")), "'events' is not an object"),
        new("string user level before v10", v => !v.EnforceIntPowerLevels, r => r.Authorize(LevelsRaw(r, Alice, $"\"{Bob}\": \" +50 \"", "")), null),
        new("string user level from v10", v => v.EnforceIntPowerLevels, r => r.Authorize(LevelsRaw(r, Alice, $"\"{Bob}\": \"50\"", "")), "is not an integer"),
        new("string named level before v10", v => !v.EnforceIntPowerLevels, r => r.Authorize(Levels(r, Alice, ", \"ban\": \"50\"")), null),
        new("string named level from v10", v => v.EnforceIntPowerLevels, r => r.Authorize(Levels(r, Alice, ", \"ban\": \"50\"")), "'ban' is not an integer"),
        new("malformed string level", v => !v.EnforceIntPowerLevels, r => r.Authorize(Levels(r, Alice, ", \"ban\": \"5 0\"")), "'ban' is not an integer"),
        new("float level before v6", v => !v.StrictCanonicalJson, r => r.Authorize(LevelsRaw(r, Alice, $"\"{Bob}\": 50.9", "")), null),
        new("float level from v6", v => v.StrictCanonicalJson, r => r.Authorize(LevelsRaw(r, Alice, $"\"{Bob}\": 50.9", "")), "is not an integer"),

        new("raise a named level above own", AuthCase.All, r => r.Authorize(Levels(r, Bob, ", \"kick\": 75")), "changing 'kick'"),
        new("set a named level at own", AuthCase.All, r => r.Authorize(Levels(r, Bob, ", \"kick\": 50")), null),
        new("lower a named level that is above own", AuthCase.All, r => r.Then(x => x.SetPowerLevels(Content(x, ", \"ban\": 75"))).Authorize(Levels(r, Bob, ", \"ban\": 50")), "changing 'ban'"),
        new("events entry above own", AuthCase.All, r => r.Authorize(Levels(r, Bob, ", \"events\": {\"m.room.name\": 75}")), "events['m.room.name']"),
        new("events entry at own", AuthCase.All, r => r.Authorize(Levels(r, Bob, ", \"events\": {\"m.room.name\": 50}")), null),
        new("remove an events entry above own", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(Content(x, ", \"events\": {\"m.room.name\": 75}"))).Authorize(Levels(r, Bob, "")), "events['m.room.name']"),
        new("notifications entry above own from v6", v => v.LimitNotificationsPowerLevels, r => r.Authorize(Levels(r, Bob, ", \"notifications\": {\"room\": 75}")), "notifications['room']"),
        new("notifications unchecked before v6", v => !v.LimitNotificationsPowerLevels, r => r.Authorize(Levels(r, Bob, ", \"notifications\": {\"room\": 75}")), null),

        new("promote another user above own", AuthCase.All, r => r.Authorize(LevelsRaw(r, Bob, Users(r, (Bob, 50), (Carol, 75)), "")), $"level of {Carol}"),
        new("promote another user to own", AuthCase.All, r => r.Authorize(LevelsRaw(r, Bob, Users(r, (Bob, 50), (Carol, 50)), "")), null),
        new("demote an equal user", AuthCase.All,
            r => r.Then(x => x.SetPowerLevels(x.PowerLevelsWith((Alice, 100), (Bob, 50), (Carol, 50)))).Authorize(LevelsRaw(r, Bob, Users(r, (Bob, 50)), "")), $"level of {Carol}"),
        new("demote oneself", AuthCase.All, r => r.Authorize(LevelsRaw(r, Bob, Users(r, (Bob, 10)), "")), null),
        new("remove a higher user", v => !v.PrivilegedCreators, r => r.Authorize(LevelsRaw(r, Bob, $"\"{Bob}\": 50", "")), $"level of {Alice}"),

        new("creator listed in users", v => v.PrivilegedCreators, r => r.Authorize(LevelsRaw(r, Alice, $"\"{Alice}\": 100", "")), "lists the room creator"),
        new("additional creator listed in users", v => v.PrivilegedCreators,
            r => TestRoom.Create(r.Version, extraCreateContent: $", \"additional_creators\": [\"{Bob}\"]").Then(f => f.Join(Alice))
                .Let(f => f.Authorize(LevelsRaw(f, Alice, $"\"{Bob}\": 50", ""))), "lists the room creator"),
        new("creator sets a level beyond 100", v => v.PrivilegedCreators, r => r.Authorize(LevelsRaw(r, Alice, Users(r, (Bob, 50), (Carol, 1_000_000)), "")), null),
        new("admin sets a level beyond own", v => !v.PrivilegedCreators, r => r.Authorize(LevelsRaw(r, Alice, Users(r, (Bob, 50), (Carol, 1_000_000)), "")), $"level of {Carol}"),
    ];

    public static TheoryData<string, string> Cases => AuthCase.Expand(Table);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Power_level_rules(string name, string version) => AuthCase.Verify(Table, name, version);

    /// <summary>The standard room's users (Alice 100, Bob 50) with <paramref name="extra"/> top-level keys.</summary>
    private static string Content(TestRoom r, string extra) => r.PowerLevelsWith([(Alice, 100), (Bob, 50)], extra);

    private static Pdu Levels(TestRoom r, string sender, string extra) =>
        r.NewEvent("m.room.power_levels", sender, "", Content(r, extra));

    private static Pdu LevelsRaw(TestRoom r, string sender, string users, string extra) =>
        r.NewEvent("m.room.power_levels", sender, "", "{\"users\": {" + users + "}" + extra + "}");

    /// <summary>A users map body: Alice at 100 (unless she is a v12 creator) and <paramref name="users"/>.</summary>
    private static string Users(TestRoom r, params (string User, long Level)[] users)
    {
        var content = r.PowerLevelsWith([(Alice, 100), .. users]);
        return content[(content.IndexOf('{', 1) + 1)..content.LastIndexOf('}', content.Length - 2)];
    }
}
