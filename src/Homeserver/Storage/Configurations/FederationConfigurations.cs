using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class ReceivedTransactionConfiguration : IEntityTypeConfiguration<ReceivedTransaction>
{
    public void Configure(EntityTypeBuilder<ReceivedTransaction> b)
    {
        b.HasKey(t => new { t.Origin, t.TxnId });
        b.HasIndex(t => t.ReceivedTs);
    }
}

internal sealed class OutboundFederationItemConfiguration : IEntityTypeConfiguration<OutboundFederationItem>
{
    public void Configure(EntityTypeBuilder<OutboundFederationItem> b)
    {
        b.ToTable("federation_outbox");
        b.HasKey(i => i.Id);
        b.HasIndex(i => new { i.Destination, i.Id });
    }
}

internal sealed class FederationDestinationConfiguration : IEntityTypeConfiguration<FederationDestination>
{
    public void Configure(EntityTypeBuilder<FederationDestination> b) => b.HasKey(d => d.Destination);
}
