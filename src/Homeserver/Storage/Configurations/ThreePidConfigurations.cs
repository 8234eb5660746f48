using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class ThreePidBindingConfiguration : IEntityTypeConfiguration<ThreePidBinding>
{
    public void Configure(EntityTypeBuilder<ThreePidBinding> b)
    {
        b.ToTable("user_threepid_id_servers");
        b.HasKey(t => new { t.UserId, t.Medium, t.Address, t.IdServer });
    }
}
