using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class DeviceListOutboundStreamConfiguration : IEntityTypeConfiguration<DeviceListOutboundStream>
{
    public void Configure(EntityTypeBuilder<DeviceListOutboundStream> b)
    {
        b.ToTable("device_list_outbound_streams");
        b.HasKey(s => s.UserId);
    }
}

internal sealed class RemoteDeviceListConfiguration : IEntityTypeConfiguration<RemoteDeviceList>
{
    public void Configure(EntityTypeBuilder<RemoteDeviceList> b)
    {
        b.ToTable("remote_device_lists");
        b.HasKey(l => l.UserId);
    }
}

internal sealed class RemoteDeviceConfiguration : IEntityTypeConfiguration<RemoteDevice>
{
    public void Configure(EntityTypeBuilder<RemoteDevice> b)
    {
        b.ToTable("remote_devices");
        b.HasKey(d => new { d.UserId, d.DeviceId });
    }
}
