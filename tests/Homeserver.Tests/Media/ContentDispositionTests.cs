using Matrix.Homeserver.Media;
using Matrix.Homeserver.Media.Downloads;

namespace Matrix.Homeserver.Tests.Media;

public sealed class ContentDispositionTests
{
    [Theory]
    [InlineData(true, null, "inline")]
    [InlineData(false, "", "attachment")]
    [InlineData(true, "cat.png", "inline; filename=\"cat.png\"")]
    [InlineData(false, "a \"quoted\" \\ name", "attachment; filename=\"a \\\"quoted\\\" \\\\ name\"")]
    [InlineData(false, "naïve.txt", "attachment; filename*=utf-8''na%C3%AFve.txt")]
    [InlineData(false, "日本.pdf", "attachment; filename*=utf-8''%E6%97%A5%E6%9C%AC.pdf")]
    [InlineData(false, "bad\r\nHeader: x", "attachment; filename=\"badHeader: x\"")]
    [InlineData(false, "semi;colon,comma", "attachment; filename=\"semi;colon,comma\"")]
    public void Builds_rfc6266_values(bool inline, string? fileName, string expected)
    {
        Assert.Equal(expected, ContentDisposition.Build(inline, fileName));
    }

    [Theory]
    [InlineData("image/png", true)]
    [InlineData("IMAGE/JPEG", true)]
    [InlineData("text/plain; charset=utf-8", true)]
    [InlineData("audio/ogg", true)]
    [InlineData("image/svg+xml", false)]
    [InlineData("text/html", false)]
    [InlineData("application/xhtml+xml", false)]
    [InlineData("text/javascript", false)]
    [InlineData("application/octet-stream", false)]
    public void Only_the_spec_list_is_inline_safe(string contentType, bool safe)
    {
        Assert.Equal(safe, ContentDisposition.IsInlineSafe(contentType));
    }

    [Theory]
    [InlineData("abcXYZ019_-", true)]
    [InlineData("", false)]
    [InlineData("a.b", false)]
    [InlineData("a/b", false)]
    [InlineData("..", false)]
    [InlineData("a\\b", false)]
    [InlineData("é", false)]
    [InlineData("a b", false)]
    public void Media_ids_are_restricted_to_the_safe_alphabet(string mediaId, bool valid)
    {
        Assert.Equal(valid, MediaKey.IsValidMediaId(mediaId));
    }

    [Fact]
    public void New_media_ids_are_24_alphanumerics_and_distinct()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => MediaKey.NewMediaId()).ToHashSet();
        Assert.Equal(1000, ids.Count);
        Assert.All(ids, id => Assert.Matches("^[A-Za-z0-9]{24}$", id));
    }
}
