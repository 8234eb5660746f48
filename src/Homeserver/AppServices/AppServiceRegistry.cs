using System.Collections.Frozen;
using Matrix.Homeserver.Configuration;

namespace Matrix.Homeserver.AppServices;

/// <summary>
/// The registered application services, read once at start (a change needs a restart, as in Synapse). Lookups by
/// token and ID, and the namespace questions other features ask: who owns this user or alias exclusively.
/// </summary>
public sealed class AppServiceRegistry
{
    private readonly FrozenDictionary<string, AppServiceRegistration> _byAsToken;
    private readonly FrozenDictionary<string, AppServiceRegistration> _byId;

    public AppServiceRegistry(IReadOnlyList<AppServiceRegistration> all)
    {
        All = all;
        _byAsToken = all.ToFrozenDictionary(a => a.AsToken, StringComparer.Ordinal);
        _byId = all.ToFrozenDictionary(a => a.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<AppServiceRegistration> All { get; }

    /// <summary>Reads every registration file of the settings; duplicate IDs or tokens stop start-up.</summary>
    /// <exception cref="ConfigurationException">A file is missing or wrong, or repeats another's id, as_token or hs_token.</exception>
    public static AppServiceRegistry Load(HomeserverOptions options)
    {
        var all = new List<AppServiceRegistration>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var tokens = new HashSet<string>(StringComparer.Ordinal);
        var senders = new HashSet<string>(StringComparer.Ordinal);
        foreach (var path in options.AppServices.RegistrationFiles)
        {
            var registration = RegistrationFileParser.Load(path, options.ServerName);
            string? clash = !ids.Add(registration.Id) ? $"id '{registration.Id}'"
                : !tokens.Add(registration.AsToken) ? "as_token"
                : !tokens.Add(registration.HsToken) ? "hs_token"
                : !senders.Add(registration.SenderUserId) ? $"sender_localpart '{registration.SenderLocalpart}'"
                : null;
            if (clash is not null)
            {
                throw new ConfigurationException($"Homeserver:AppServices:RegistrationFiles: '{path}': {clash} is already used by another registration file");
            }

            all.Add(registration);
        }

        return new AppServiceRegistry(all);
    }

    public AppServiceRegistration? ByAsToken(string token) => _byAsToken.GetValueOrDefault(token);

    public AppServiceRegistration? ById(string id) => _byId.GetValueOrDefault(id);

    /// <summary>The AS that owns <paramref name="userId"/> exclusively (or as its sender), if any.</summary>
    public AppServiceRegistration? ExclusiveOwnerOfUser(string userId) => All.FirstOrDefault(a => a.IsExclusiveUser(userId));

    /// <summary>The AS that owns <paramref name="alias"/> exclusively, if any.</summary>
    public AppServiceRegistration? ExclusiveOwnerOfAlias(string alias) => All.FirstOrDefault(a => a.IsExclusiveAlias(alias));

    /// <summary>ASes with a URL whose users namespace covers <paramref name="userId"/> (to ask them about it).</summary>
    public IEnumerable<AppServiceRegistration> QueryableForUser(string userId) =>
        All.Where(a => a.Url is not null && a.Namespaces.Users.Any(n => n.Matches(userId)));

    /// <summary>ASes with a URL whose aliases namespace covers <paramref name="alias"/>.</summary>
    public IEnumerable<AppServiceRegistration> QueryableForAlias(string alias) =>
        All.Where(a => a.Url is not null && a.IsInterestedInAlias(alias));

    /// <summary>ASes with a URL that bridge <paramref name="protocol"/>.</summary>
    public IEnumerable<AppServiceRegistration> ForProtocol(string protocol) =>
        All.Where(a => a.Url is not null && a.Protocols.Contains(protocol, StringComparer.Ordinal));
}
