using Matrix.Homeserver.Configuration;
using Microsoft.Extensions.Configuration;

namespace Matrix.Homeserver.Tests.Media;

public sealed class MediaSettingsTests
{
    private static HomeserverOptions Load(params (string Key, string Value)[] settings) =>
        ConfigurationLoader.Load(new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build());

    [Fact]
    public void Defaults_keep_previews_off_and_bound_uploads()
    {
        var media = Load().Media;
        Assert.False(media.UrlPreview.Enabled);
        Assert.Empty(media.UrlPreview.AllowedNetworks);
        Assert.False(media.FreezeUnauthenticatedMedia);
        Assert.Equal(5, media.MaxPendingUploadsPerUser);
    }

    [Fact]
    public void Allowed_networks_bind_from_indexed_keys()
    {
        var media = Load(("Homeserver:Media:UrlPreview:AllowedNetworks:0", "10.0.0.0/8"), ("Homeserver:Media:UrlPreview:AllowedNetworks:1", "fd00::/8")).Media;
        Assert.Equal(["10.0.0.0/8", "fd00::/8"], media.UrlPreview.AllowedNetworks);
    }

    [Theory]
    [InlineData("Homeserver:Media:MaxPendingUploadsPerUser", "0", "Homeserver:Media:MaxPendingUploadsPerUser: 0 must be a positive count")]
    [InlineData("Homeserver:Media:PendingUploadExpiryMinutes", "-1", "Homeserver:Media:PendingUploadExpiryMinutes: -1 must be a positive number of minutes")]
    [InlineData("Homeserver:Media:MaxThumbnailPixels", "0", "Homeserver:Media:MaxThumbnailPixels: 0 must be a positive number of pixels")]
    [InlineData("Homeserver:Media:UrlPreview:TimeoutSeconds", "0", "Homeserver:Media:UrlPreview:TimeoutSeconds: 0 must be from 1 to 300 seconds")]
    [InlineData("Homeserver:Media:UrlPreview:AllowedNetworks:0", "intranet", "Homeserver:Media:UrlPreview:AllowedNetworks[0]: 'intranet' is not a CIDR range such as 192.168.0.0/16")]
    [InlineData("Homeserver:Media:UrlPreview:Enabeld", "true", "Homeserver:Media:UrlPreview:Enabeld: unknown setting")]
    public void Bad_media_settings_name_the_setting(string key, string value, string expected) =>
        Assert.Equal(expected, Assert.Throws<ConfigurationException>(() => Load((key, value))).Message);
}
