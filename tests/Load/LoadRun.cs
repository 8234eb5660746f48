namespace Matrix.Load;

/// <summary>
/// What every scenario shares: the options, one HttpClient, a run-unique name prefix so runs never
/// collide on a server, and user/room set-up through the Client-Server API.
/// </summary>
public sealed class LoadRun(LoadOptions options, HttpClient http)
{
    private int _users;

    public LoadOptions Options { get; } = options;

    public HttpClient Http { get; } = http;

    public string RunId { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Every user of the run registers with this password.</summary>
    public string Password => "load-password-" + RunId;

    /// <summary>
    /// With <see cref="LoadOptions.RemoteUrl"/>: a user of that server (another HttpClient, the same registration) joins the
    /// room through its creator's server, so that every message also goes to another server. Null without it.
    /// </summary>
    public async Task<MatrixClient?> JoinRemoteUserAsync(string roomId, MatrixClient creator)
    {
        if (Options.RemoteUrl is not { } remoteUrl) return null;
        var http = new HttpClient { BaseAddress = remoteUrl, Timeout = Http.Timeout };
        var n = Interlocked.Increment(ref _users);
        var remote = await RegisterAsync(http, $"load{RunId}r{n}");
        await remote.JoinAsync(roomId, via: creator.UserId[(creator.UserId.IndexOf(':') + 1)..]);
        return remote;
    }

    /// <summary>Registers <paramref name="count"/> users, a few at a time (registration hashes a password).</summary>
    public async Task<MatrixClient[]> RegisterUsersAsync(int count, CancellationToken cancellationToken)
    {
        var users = new MatrixClient[count];
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = cancellationToken }, async (i, _) =>
        {
            var n = Interlocked.Increment(ref _users);
            users[i] = await RegisterAsync(Http, $"load{RunId}u{n}");
        });
        return users;
    }

    /// <summary>A new user, whose syncs name the run's filter when it has one (<see cref="LoadOptions.SyncFilter"/>).</summary>
    private async Task<MatrixClient> RegisterAsync(HttpClient http, string username)
    {
        var user = await MatrixClient.RegisterAsync(http, username, Password, Options.SharedSecret);
        if (Options.SyncFilter is { } filter) await user.UseSyncFilterAsync(filter);
        return user;
    }

    /// <summary>A public room made by <paramref name="owner"/> and joined by the others.</summary>
    public static async Task<string> CreateRoomWithAsync(MatrixClient owner, IReadOnlyList<MatrixClient> members, CancellationToken cancellationToken)
    {
        var roomId = await owner.CreateRoomAsync();
        await Parallel.ForEachAsync(members.Where(m => m != owner), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (member, _) => await member.JoinAsync(roomId));
        return roomId;
    }

    /// <summary>A message whose body names the run, so receivers recognise it.</summary>
    public OutgoingMessage Message(string tag) => OutgoingMessage.Text($"load {RunId} {tag}");
}
