using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Matrix.Homeserver.Storage.Configurations;

internal sealed class ContentReportConfiguration : IEntityTypeConfiguration<ContentReport>
{
    public void Configure(EntityTypeBuilder<ContentReport> b)
    {
        b.ToTable("content_reports");
        b.HasKey(r => r.Id);
        b.Property(r => r.Id).ValueGeneratedOnAdd();
        b.Property(r => r.Reason).HasMaxLength(ReportLimits.MaxReasonLength);
        // Admins page through reports newest first.
        b.HasIndex(r => r.ReceivedTs);
    }
}

/// <summary>Bounds on what a report may carry.</summary>
public static class ReportLimits
{
    public const int MaxReasonLength = 1000;
}
