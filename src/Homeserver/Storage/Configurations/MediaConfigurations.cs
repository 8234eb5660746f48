using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class LocalMediaConfiguration : IEntityTypeConfiguration<LocalMedia>
{
    public void Configure(EntityTypeBuilder<LocalMedia> b)
    {
        b.ToTable("local_media");
        b.HasKey(m => m.MediaId);
        b.Property(m => m.MediaId).HasMaxLength(255);
        b.Property(m => m.ContentType).HasMaxLength(255);
        // Counting a user's pending uploads reads (uploader, uploaded_ts IS NULL).
        b.HasIndex(m => new { m.UploaderUserId, m.UploadedTs });
        b.HasIndex(m => m.UnusedExpiresTs);
    }
}

internal sealed class RemoteMediaConfiguration : IEntityTypeConfiguration<RemoteMedia>
{
    public void Configure(EntityTypeBuilder<RemoteMedia> b)
    {
        b.ToTable("remote_media");
        b.HasKey(m => new { m.Origin, m.MediaId });
        b.Property(m => m.MediaId).HasMaxLength(255);
        b.Property(m => m.ContentType).HasMaxLength(255);
    }
}

internal sealed class MediaThumbnailConfiguration : IEntityTypeConfiguration<MediaThumbnail>
{
    public void Configure(EntityTypeBuilder<MediaThumbnail> b)
    {
        b.ToTable("media_thumbnails");
        b.HasKey(t => t.Id);
        b.Property(t => t.Method).HasMaxLength(8);
        b.HasIndex(t => new { t.Origin, t.MediaId, t.Width, t.Height, t.Method, t.ContentType }).IsUnique();
    }
}
