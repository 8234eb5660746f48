using System.Text.Json.Nodes;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Registration;

/// <summary>
/// Synapse's admin API for registration tokens (/_synapse/admin/v1/registration_tokens), so synadm and
/// admin UIs manage them here too. Admins only.
/// </summary>
public static class RegistrationTokensAdminApi
{
    public static IEndpointRouteBuilder MapRegistrationTokensAdminApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/_synapse/admin/v1/registration_tokens").RequireAdmin();
        group.MapGet("", ListAsync);
        group.MapPost("/new", CreateAsync);
        group.MapGet("/{token}", GetAsync);
        group.MapPut("/{token}", UpdateAsync);
        group.MapDelete("/{token}", DeleteAsync);
        return app;
    }

    private static async Task<IResult> ListAsync(Requester requester, string? valid, HomeserverDbContext db, RegistrationTokenService tokens, CancellationToken cancellationToken)
    {
        bool? wanted = valid switch
        {
            null => null,
            "true" => true,
            "false" => false,
            _ => throw MatrixException.InvalidParam("valid must be true or false"),
        };
        var list = await tokens.ListAsync(db, wanted, cancellationToken);
        return Results.Json(new JsonObject { ["registration_tokens"] = new JsonArray([.. list.Select(t => (JsonNode)ToJson(t))]) });
    }

    private static async Task<IResult> CreateAsync(Requester requester, HttpRequest http, HomeserverDbContext db, RegistrationTokenService tokens,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
        var usesAllowed = UsesAllowed(body).Value;
        var expiryTime = ExpiryTime(body, clock).Value;
        RegistrationToken created;
        if (JsonFields.String(body, "token") is { } token)
        {
            if (!RegistrationTokenService.IsWellFormed(token))
            {
                throw MatrixException.InvalidParam($"token must be 1 to {RegistrationTokenService.MaxLength} characters of [A-Za-z0-9._~-]");
            }

            created = await tokens.CreateAsync(db, token, usesAllowed, expiryTime, cancellationToken);
        }
        else
        {
            var (present, length) = JsonFields.NullableInteger(body, "length");
            length = present ? length : 16;
            if (length is not (>= 1 and <= RegistrationTokenService.MaxLength)) throw MatrixException.InvalidParam($"length must be an integer between 1 and {RegistrationTokenService.MaxLength}");
            created = await tokens.CreateRandomAsync(db, (int)length, usesAllowed, expiryTime, cancellationToken);
        }

        return Results.Json(ToJson(created));
    }

    private static async Task<IResult> GetAsync(Requester requester, string token, HomeserverDbContext db, CancellationToken cancellationToken) =>
        Results.Json(ToJson(await FindAsync(db, token, cancellationToken)));

    private static async Task<IResult> UpdateAsync(Requester requester, string token, HttpRequest http, HomeserverDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var body = await JsonBody.ReadObjectAsync(http, emptyIsObject: true);
        var usesAllowed = UsesAllowed(body);
        var expiryTime = ExpiryTime(body, clock);
        var row = await FindAsync(db, token, cancellationToken);
        if (usesAllowed.Present) row.UsesAllowed = usesAllowed.Value;
        if (expiryTime.Present) row.ExpiryTime = expiryTime.Value;
        await db.SaveChangesAsync(cancellationToken);
        return Results.Json(ToJson(row));
    }

    private static async Task<IResult> DeleteAsync(Requester requester, string token, HomeserverDbContext db, CancellationToken cancellationToken)
    {
        if (await db.RegistrationTokens.Where(t => t.Token == token).ExecuteDeleteAsync(cancellationToken) == 0) throw NotFound(token);
        return Results.Json(new JsonObject());
    }

    private static async Task<RegistrationToken> FindAsync(HomeserverDbContext db, string token, CancellationToken cancellationToken) =>
        await db.RegistrationTokens.FirstOrDefaultAsync(t => t.Token == token, cancellationToken) ?? throw NotFound(token);

    private static MatrixException NotFound(string token) => MatrixException.NotFound($"No such registration token: {token}");

    private static (bool Present, int? Value) UsesAllowed(JsonObject body)
    {
        var (present, value) = JsonFields.NullableInteger(body, "uses_allowed");
        if (value is < 0 or > int.MaxValue) throw MatrixException.InvalidParam("uses_allowed must be a non-negative integer or null");
        return (present, (int?)value);
    }

    private static (bool Present, long? Value) ExpiryTime(JsonObject body, TimeProvider clock)
    {
        var expiry = JsonFields.NullableInteger(body, "expiry_time");
        if (expiry.Value < clock.GetUtcNow().ToUnixTimeMilliseconds()) throw MatrixException.InvalidParam("expiry_time must not be in the past");
        return expiry;
    }

    private static JsonObject ToJson(RegistrationToken t) => new()
    {
        ["token"] = t.Token,
        ["uses_allowed"] = t.UsesAllowed,
        ["pending"] = t.Pending,
        ["completed"] = t.Completed,
        ["expiry_time"] = t.ExpiryTime,
    };
}
