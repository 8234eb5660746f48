using Matrix.Homeserver.AppServices;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Hosting;

namespace Matrix.Homeserver.Tests.AppServices;

/// <summary>Synapse-format registration files: what is read, and the one-line errors that stop start-up.</summary>
public sealed class RegistrationFileTests
{
    private const string Valid = """
        id: irc
        url: "http://127.0.0.1:9999/"
        as_token: astok
        hs_token: hstok
        sender_localpart: _irc_bot
        rate_limited: false
        de.sorunome.msc2409.push_ephemeral: true
        protocols: ["irc"]
        namespaces:
          users:
            - exclusive: true
              regex: '@_irc_.*:example\.org'
          aliases:
            - exclusive: false
              regex: '#_irc_.*'
          rooms: []
        """;

    [Fact]
    public void A_synapse_registration_is_read()
    {
        var registration = RegistrationFileParser.Parse(Valid, "irc.yaml", "example.org");
        Assert.Equal("irc", registration.Id);
        Assert.Equal("http://127.0.0.1:9999", registration.Url);
        Assert.Equal("@_irc_bot:example.org", registration.SenderUserId);
        Assert.False(registration.RateLimited);
        Assert.True(registration.ReceiveEphemeral);
        Assert.Equal(["irc"], registration.Protocols);
        Assert.True(registration.IsExclusiveUser("@_irc_alice:example.org"));
        Assert.False(registration.IsInterestedInUser("@alice:example.org"));
        Assert.True(registration.IsInterestedInAlias("#_irc_chan:example.org"));
        Assert.False(registration.IsExclusiveAlias("#_irc_chan:example.org"));
        Assert.Equal("irc", registration.ToString());
    }

    [Fact]
    public void A_null_url_and_no_namespaces_are_allowed()
    {
        var registration = RegistrationFileParser.Parse("id: bot\nurl: null\nas_token: a\nhs_token: h\nsender_localpart: bot\nnamespaces: {}\n", "bot.yaml", "localhost");
        Assert.Null(registration.Url);
        Assert.True(registration.RateLimited);
        Assert.True(registration.IsInterestedInUser("@bot:localhost"));
        Assert.False(registration.IsInterestedInRoom("!x:localhost"));
    }

    [Theory]
    [InlineData("url: null\nas_token: a\nhs_token: h\nsender_localpart: b\n", "id is required")]
    [InlineData("id: x\nas_token: a\nhs_token: a\nsender_localpart: b\n", "as_token and hs_token must differ")]
    [InlineData("id: x\nas_token: a\nhs_token: h\nsender_localpart: 'B C'\n", "sender_localpart 'B C' is not a valid user ID localpart")]
    [InlineData("id: x\nurl: ftp://a\nas_token: a\nhs_token: h\nsender_localpart: b\n", "url 'ftp://a' is not an absolute http(s) URL (or null)")]
    [InlineData("id: x\nas_token: a\nhs_token: h\nsender_localpart: b\nnamespaces:\n  users:\n    - regex: '@a.*'\n", "namespaces.users[].exclusive is required (true or false)")]
    [InlineData("id: x\nas_token: a\nhs_token: h\nsender_localpart: b\nrate_limited: maybe\n", "rate_limited must be true or false, not 'maybe'")]
    [InlineData("- just\n- a list\n", "must be a YAML mapping")]
    public void A_bad_registration_names_the_file_and_the_problem(string yaml, string problem)
    {
        var error = Assert.Throws<ConfigurationException>(() => RegistrationFileParser.Parse(yaml, "/etc/as/x.yaml", "localhost"));
        Assert.Equal($"Homeserver:AppServices:RegistrationFiles: '/etc/as/x.yaml': {problem}", error.Message);
    }

    [Fact]
    public void A_bad_regex_is_refused()
    {
        var error = Assert.Throws<ConfigurationException>(() => RegistrationFileParser.Parse(
            "id: x\nas_token: a\nhs_token: h\nsender_localpart: b\nnamespaces:\n  users:\n    - exclusive: true\n      regex: '@(a'\n", "x.yaml", "localhost"));
        Assert.StartsWith("Homeserver:AppServices:RegistrationFiles: 'x.yaml': namespaces.users regex '@(a' is not a valid regular expression", error.Message);
    }

    [Fact]
    public void Duplicate_ids_and_tokens_are_refused()
    {
        var directory = Directory.CreateTempSubdirectory("hs-test-asreg-").FullName;
        try
        {
            var first = Path.Combine(directory, "a.yaml");
            var second = Path.Combine(directory, "b.yaml");
            File.WriteAllText(first, "id: a\nas_token: t1\nhs_token: h1\nsender_localpart: a\n");

            File.WriteAllText(second, "id: a\nas_token: t2\nhs_token: h2\nsender_localpart: b\n");
            Assert.Equal($"Homeserver:AppServices:RegistrationFiles: '{second}': id 'a' is already used by another registration file", Load(first, second));

            File.WriteAllText(second, "id: b\nas_token: t1\nhs_token: h2\nsender_localpart: b\n");
            Assert.Equal($"Homeserver:AppServices:RegistrationFiles: '{second}': as_token is already used by another registration file", Load(first, second));

            File.WriteAllText(second, "id: b\nas_token: t2\nhs_token: h1\nsender_localpart: b\n");
            Assert.Equal($"Homeserver:AppServices:RegistrationFiles: '{second}': hs_token is already used by another registration file", Load(first, second));

            var missing = Path.Combine(directory, "missing.yaml");
            Assert.Equal($"Homeserver:AppServices:RegistrationFiles: '{missing}': file does not exist", Load(missing));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_bad_registration_file_stops_start_up()
    {
        var error = Assert.Throws<ConfigurationException>(() => HomeserverHost.Build(["--Homeserver:AppServices:RegistrationFiles:0=/nonexistent/as.yaml"]));
        Assert.Equal("Homeserver:AppServices:RegistrationFiles: '/nonexistent/as.yaml': file does not exist", error.Message);
    }

    private static string Load(params string[] paths)
    {
        var options = new HomeserverOptions { ServerName = "localhost" };
        options.AppServices.RegistrationFiles.AddRange(paths);
        return Assert.Throws<ConfigurationException>(() => AppServiceRegistry.Load(options)).Message;
    }
}
