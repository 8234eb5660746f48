using Matrix.Homeserver.Operations;

namespace Matrix.Homeserver.Tests.Operations;

public sealed class LogRedactionTests
{
    [Theory]
    [InlineData("/_matrix/client/v3/sync?access_token=syt_abc&timeout=30000", "/_matrix/client/v3/sync?access_token=<redacted>&timeout=30000")]
    [InlineData("/_matrix/client/v3/sync?timeout=1&ACCESS_TOKEN=syt_abc", "/_matrix/client/v3/sync?timeout=1&ACCESS_TOKEN=<redacted>")]
    [InlineData("/x?token=reg&client_secret=s&loginToken=l&refresh_token=r", "/x?token=<redacted>&client_secret=<redacted>&loginToken=<redacted>&refresh_token=<redacted>")]
    [InlineData("/x?my_access_token=kept&from=s12", "/x?my_access_token=kept&from=s12")]
    [InlineData("/_matrix/client/v3/rooms/!a:b/messages", "/_matrix/client/v3/rooms/!a:b/messages")]
    public void Secret_query_parameters_lose_their_values(string url, string logged) => Assert.Equal(logged, LogRedaction.RedactQuery(url));
}
