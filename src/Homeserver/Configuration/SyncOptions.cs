using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Settings of /sync and its ephemeral streams (typing, presence).</summary>
public sealed class SyncOptions
{
    /// <summary>Longest a /sync long-poll waits, whatever timeout the client asks for.</summary>
    public int MaxTimeoutMs { get; set; } = 120_000;

    /// <summary>Most timeline events per room a filter may ask for (Synapse's filter_timeline_limit).</summary>
    public int MaxTimelineLimit { get; set; } = 100;

    /// <summary>Longest a typing notification lasts before it expires.</summary>
    public int MaxTypingTimeoutMs { get; set; } = 30_000;

    /// <summary>Whether presence is tracked and shared at all.</summary>
    public bool PresenceEnabled { get; set; } = true;

    /// <summary>An online user with no activity for this long becomes unavailable (Synapse: 5 minutes).</summary>
    public int PresenceIdleAfterMs { get; set; } = 300_000;

    /// <summary>A user with no /sync for this long becomes offline (Synapse: 30 seconds).</summary>
    public int PresenceOfflineAfterMs { get; set; } = 30_000;

    /// <summary>How often changed presence is written to the database, so a restart keeps it.</summary>
    public int PresencePersistIntervalMs { get; set; } = 60_000;
}

/// <summary>Start-up checks of Homeserver:Sync.</summary>
internal sealed class SyncOptionsValidator : AbstractValidator<SyncOptions>
{
    public SyncOptionsValidator()
    {
        RuleFor(o => o.MaxTimeoutMs).GreaterThanOrEqualTo(0).WithMessage(o => $"{o.MaxTimeoutMs} must not be negative");
        RuleFor(o => o.MaxTimelineLimit).GreaterThan(0).WithMessage(o => $"{o.MaxTimelineLimit} must be a positive number of events");
        RuleFor(o => o.MaxTypingTimeoutMs).GreaterThan(0).WithMessage(o => $"{o.MaxTypingTimeoutMs} must be a positive number of milliseconds");
        RuleFor(o => o.PresenceIdleAfterMs).GreaterThan(0).WithMessage(o => $"{o.PresenceIdleAfterMs} must be a positive number of milliseconds");
        RuleFor(o => o.PresenceOfflineAfterMs).GreaterThan(0).WithMessage(o => $"{o.PresenceOfflineAfterMs} must be a positive number of milliseconds");
        RuleFor(o => o.PresencePersistIntervalMs).GreaterThan(0).WithMessage(o => $"{o.PresencePersistIntervalMs} must be a positive number of milliseconds");
    }
}
