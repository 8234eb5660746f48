using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class OpenIdTokenConfiguration : IEntityTypeConfiguration<OpenIdToken>
{
    public void Configure(EntityTypeBuilder<OpenIdToken> b)
    {
        b.ToTable("openid_tokens");
        b.HasKey(t => t.TokenHash);
        // Expired tokens are swept by expiry.
        b.HasIndex(t => t.ExpiresTs);
    }
}
