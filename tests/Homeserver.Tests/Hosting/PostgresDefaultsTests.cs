using Matrix.Homeserver.Storage;
using Npgsql;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>The Npgsql settings the server adds to a PostgreSQL connection string, unless the operator chose them.</summary>
public sealed class PostgresDefaultsTests
{
    [Fact]
    public void A_plain_connection_string_gets_no_reset_and_auto_prepare()
    {
        var built = new NpgsqlConnectionStringBuilder(StorageSetup.WithPostgresDefaults("Host=db;Database=hs;Username=hs;Password='a;b'"));
        Assert.True(built.NoResetOnClose);
        Assert.Equal(256, built.MaxAutoPrepare);
        Assert.Equal("a;b", built.Password);
    }

    [Theory]
    [InlineData("Host=db;No Reset On Close=false;Max Auto Prepare=0")]
    [InlineData("Host=db;noresetonclose=false;MAXAUTOPREPARE=0")]
    public void The_operators_own_choice_wins(string connectionString)
    {
        var built = new NpgsqlConnectionStringBuilder(StorageSetup.WithPostgresDefaults(connectionString));
        Assert.False(built.NoResetOnClose);
        Assert.Equal(0, built.MaxAutoPrepare);
    }
}
