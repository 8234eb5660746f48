using Matrix.Homeserver.FederationSender;
using Matrix.Homeserver.Events.ClientFormat;
using Matrix.Homeserver.Storage;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.AppServices;

/// <summary>What every AS's loop shares: the queue store, the HTTP client, the event loader, the clock.</summary>
internal sealed class AppServiceSenderContext(AppServiceOutbox outbox, AppServiceClient client, ClientEventLoader events,
    IDbContextFactory<HomeserverDbContext> dbs, TimeProvider time, ILogger logger, CancellationToken stopping)
{
    public AppServiceOutbox Outbox { get; } = outbox;
    public AppServiceClient Client { get; } = client;
    public ClientEventLoader Events { get; } = events;
    public IDbContextFactory<HomeserverDbContext> Dbs { get; } = dbs;
    public ILogger Logger { get; } = logger;
    public RetryingQueueSettings QueueSettings { get; } = new(time, logger, AppServiceQueue.MinRetryMs, AppServiceQueue.MaxRetryMs, stopping);
}
