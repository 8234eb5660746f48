using System.Globalization;
using Matrix.Homeserver.Http;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Sync;

/// <summary>The query string of GET /sync, as sent; <see cref="Parse"/> checks it.</summary>
public sealed record SyncParameters
{
    [FromQuery(Name = "filter")]
    public string? Filter { get; init; }

    [FromQuery(Name = "since")]
    public string? Since { get; init; }

    [FromQuery(Name = "full_state")]
    public string? FullState { get; init; }

    [FromQuery(Name = "set_presence")]
    public string? SetPresence { get; init; }

    [FromQuery(Name = "timeout")]
    public string? Timeout { get; init; }

    [FromQuery(Name = "use_state_after")]
    public string? UseStateAfter { get; init; }

    /// <summary>The checked request; malformed values are 400 M_INVALID_PARAM, as Synapse's query parsers answer.</summary>
    public SyncRequest Parse() => new(
        Filter,
        string.IsNullOrEmpty(Since) ? null : SyncToken.Parse(Since),
        Boolean(FullState, "full_state"),
        SetPresence switch
        {
            null or "online" => Presence.PresenceState.Online,
            "unavailable" => Presence.PresenceState.Unavailable,
            "offline" => Presence.PresenceState.Offline,
            _ => throw MatrixException.InvalidParam("set_presence must be online, unavailable or offline"),
        },
        Timeout is null ? 0
            : long.TryParse(Timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) ? ms
            : throw MatrixException.InvalidParam("timeout must be a non-negative integer"),
        Boolean(UseStateAfter, "use_state_after"));

    private static bool Boolean(string? value, string name) => value switch
    {
        null or "false" => false,
        "true" => true,
        _ => throw MatrixException.InvalidParam($"{name} must be true or false"),
    };
}

/// <summary>A checked /sync request.</summary>
public sealed record SyncRequest(string? Filter, SyncToken? Since, bool FullState, Presence.PresenceState SetPresence, long TimeoutMs, bool UseStateAfter);
