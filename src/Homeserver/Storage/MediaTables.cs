using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>The media tables of <see cref="HomeserverDbContext"/>, kept beside the feature that owns them.</summary>
public static class MediaTables
{
    extension(HomeserverDbContext db)
    {
        public DbSet<LocalMedia> LocalMedia => db.Set<LocalMedia>();
        public DbSet<RemoteMedia> RemoteMedia => db.Set<RemoteMedia>();
        public DbSet<MediaThumbnail> MediaThumbnails => db.Set<MediaThumbnail>();
    }
}
