using System.Threading.RateLimiting;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.Http;

/// <summary>The named limits; each is a token bucket per client IP or per user.</summary>
public static class RateLimitPolicy
{
    public const string Login = "login";
    public const string Register = "register";
    public const string LoginToken = "login_token";
    public const string Send = "send";
    public const string Join = "join";
    public const string ThirdPartyInvite = "third_party_invite";
}

/// <summary>
/// Request rate limits with System.Threading.RateLimiting token buckets, answered with 429
/// M_LIMIT_EXCEEDED and retry_after_ms. Endpoints opt in with <see cref="RateLimitEndpoints.RateLimited{TBuilder}"/>
/// (keyed after authentication, so per-user limits see the user) or call <see cref="Acquire"/> themselves.
/// </summary>
public sealed class RateLimits : IDisposable
{
    private readonly bool _enabled;
    private readonly bool _exemptLoopback;
    private readonly Dictionary<string, (PartitionedRateLimiter<string> Limiter, RateLimitPolicyOptions Options)> _policies;

    public RateLimits(RateLimitOptions options)
    {
        _enabled = options.Enabled;
        _exemptLoopback = options.ExemptLoopback;
        _policies = new(StringComparer.Ordinal)
        {
            [RateLimitPolicy.Login] = Bucket(options.Login),
            [RateLimitPolicy.Register] = Bucket(options.Register),
            [RateLimitPolicy.LoginToken] = Bucket(options.LoginToken),
            [RateLimitPolicy.Send] = Bucket(options.Send),
            [RateLimitPolicy.Join] = Bucket(options.Join),
            [RateLimitPolicy.ThirdPartyInvite] = Bucket(options.ThirdPartyInvite),
        };
    }

    /// <summary>Takes one request from <paramref name="key"/>'s bucket of <paramref name="policy"/>.</summary>
    /// <exception cref="MatrixException">429 M_LIMIT_EXCEEDED with retry_after_ms when the bucket is empty.</exception>
    public void Acquire(string policy, string key)
    {
        if (!_enabled) return;
        using var lease = Policy(policy).Limiter.AttemptAcquire(key);
        if (lease.IsAcquired) return;
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
        throw MatrixException.LimitExceeded((long)Math.Ceiling(retryAfter.TotalMilliseconds));
    }

    /// <summary>
    /// Takes one request from the bucket of the authenticated user, or else of the client's address;
    /// loopback peers skip per-address limits when ExemptLoopback is set (test rigs and a local reverse
    /// proxy, behind which every client would otherwise share one bucket).
    /// </summary>
    public void AcquireFor(string policy, HttpContext http)
    {
        if (http.Items[typeof(Requester)] is Requester requester)
        {
            if (!requester.RateLimited) return;
            Acquire(policy, requester.UserId);
            return;
        }
        if (_exemptLoopback && http.Connection.RemoteIpAddress is { } peer && System.Net.IPAddress.IsLoopback(peer)) return;
        Acquire(policy, RateLimitEndpoints.ClientAddress(http));
    }

    /// <summary>
    /// Throws like <see cref="Acquire"/> when the bucket holds less than one whole request, without
    /// taking from it (the bucket refills continuously, so a fraction may be in it).
    /// </summary>
    public void Check(string policy, string key)
    {
        if (!_enabled) return;
        var (limiter, options) = Policy(policy);
        if (limiter.GetStatistics(key) is { CurrentAvailablePermits: < 1 })
        {
            throw MatrixException.LimitExceeded((long)Math.Ceiling(1000 / options.PerSecond));
        }
    }

    /// <summary>Takes one request from the bucket if one is left, never throwing (counting failures).</summary>
    public void Consume(string policy, string key)
    {
        if (_enabled) Policy(policy).Limiter.AttemptAcquire(key).Dispose();
    }

    public void Dispose()
    {
        foreach (var (limiter, _) in _policies.Values) limiter.Dispose();
    }

    private (PartitionedRateLimiter<string> Limiter, RateLimitPolicyOptions Options) Policy(string policy) =>
        _policies.TryGetValue(policy, out var found) ? found : throw new ArgumentException($"Unknown rate limit policy '{policy}'", nameof(policy));

    private static (PartitionedRateLimiter<string>, RateLimitPolicyOptions) Bucket(RateLimitPolicyOptions policy) =>
        (PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = policy.Burst,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1 / policy.PerSecond),
            QueueLimit = 0,
            AutoReplenishment = true,
        })), policy);
}

/// <summary>Opting endpoints into a limit.</summary>
public static class RateLimitEndpoints
{
    /// <summary>
    /// Limits the endpoint under <paramref name="policy"/>, keyed by the authenticated user when the
    /// handler takes a <see cref="Requester"/>, otherwise by the client's IP address.
    /// </summary>
    public static TBuilder RateLimited<TBuilder>(this TBuilder builder, string policy) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            http.RequestServices.GetRequiredService<RateLimits>().AcquireFor(policy, http);
            return await next(context);
        });

    /// <summary>The peer's address (a reverse proxy must forward it for per-IP limits to mean anything).</summary>
    public static string ClientAddress(HttpContext http) => http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
}
