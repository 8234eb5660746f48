using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class RemoteServerKeyConfiguration : IEntityTypeConfiguration<RemoteServerKey>
{
    public void Configure(EntityTypeBuilder<RemoteServerKey> b)
    {
        b.ToTable("remote_server_keys");
        b.HasKey(k => new { k.ServerName, k.KeyId });
    }
}
