using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Crypto;

namespace Matrix.Homeserver.Http;

/// <summary>
/// Reads request bodies: not JSON gives M_NOT_JSON, JSON of the wrong shape M_BAD_JSON, and a
/// FluentValidation failure M_MISSING_PARAM / M_INVALID_PARAM / M_BAD_JSON by its error code.
/// </summary>
public static class JsonBody
{
    /// <summary>Bodies are parsed no deeper than this (the spec's canonical JSON is shallow).</summary>
    public const int MaxDepth = 64;

    private static readonly JsonSerializerOptions SerializerOptions = new(JsonSerializerDefaults.Web)
    {
        MaxDepth = MaxDepth,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        AllowOutOfOrderMetadataProperties = true,
    };

    /// <summary>The body as a JSON object; an empty body is an empty object when <paramref name="emptyIsObject"/>.</summary>
    public static async Task<JsonObject> ReadObjectAsync(HttpRequest request, bool emptyIsObject = false)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, request.HttpContext.RequestAborted);
        if (buffer.Length == 0)
        {
            if (emptyIsObject) return new JsonObject();
            throw MatrixException.NotJson();
        }

        return ParseObject(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>
    /// A request's body (also a federation request's): M_NOT_JSON for what is not JSON, has invalid UTF-8, a lone
    /// surrogate or a key twice, or nests too deep; M_BAD_JSON for JSON that is not an object.
    /// </summary>
    public static JsonObject ParseObject(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return AsObject(JsonInput.Parse(utf8, MaxDepth), what: null);
        }
        catch (CanonicalJsonException e)
        {
            throw NotJson(e, what: null);
        }
    }

    /// <summary>JSON text from a client's query string (an inline filter), named <paramref name="what"/> in the errors.</summary>
    /// <inheritdoc cref="ParseObject(ReadOnlySpan{byte})"/>
    public static JsonObject ParseObject(string json, string what)
    {
        try
        {
            return AsObject(JsonInput.Parse(json, MaxDepth), what);
        }
        catch (CanonicalJsonException e)
        {
            throw NotJson(e, what);
        }
    }

    private static JsonObject AsObject(JsonNode? node, string? what) =>
        node as JsonObject ?? throw MatrixException.BadJson($"{what ?? "Request body"} must be a JSON object");

    private static MatrixException NotJson(CanonicalJsonException e, string? what) => e.Error == CanonicalJsonError.InvalidJson
        ? (what is null ? MatrixException.NotJson() : MatrixException.NotJson($"{what} is not JSON"))
        : MatrixException.NotJson($"{what ?? "The body"} is not acceptable JSON: {e.Message}");

    /// <summary>Deserializes the body into <typeparamref name="T"/> (snake_case names) and validates it.</summary>
    public static async Task<T> ReadAsync<T>(HttpRequest request, IValidator<T>? validator = null, bool emptyIsObject = false)
    {
        var json = await ReadObjectAsync(request, emptyIsObject);
        return Bind(json, validator);
    }

    /// <summary>Binds an already parsed object, mapping type mismatches to M_BAD_JSON.</summary>
    public static T Bind<T>(JsonObject json, IValidator<T>? validator = null)
    {
        T? value;
        try
        {
            value = json.Deserialize<T>(SerializerOptions);
        }
        catch (JsonException e)
        {
            throw MatrixException.BadJson(e.Path is { Length: > 1 } path ? $"Invalid value at {path}" : "Invalid JSON body");
        }

        if (value is null) throw MatrixException.BadJson("Request body must be a JSON object");
        if (validator is not null) ThrowIfInvalid(validator.Validate(value));
        return value;
    }

    /// <summary>Maps the first validation failure to the spec's error: the rule's ErrorCode picks the errcode.</summary>
    /// <summary>A body field that must be a non-empty string: 400 M_MISSING_PARAM when absent, M_INVALID_PARAM otherwise.</summary>
    public static string RequiredString(JsonObject body, string key) =>
        body[key] switch
        {
            null => throw MatrixException.MissingParam($"Missing {key}"),
            JsonValue v when v.TryGetValue(out string? s) && s.Length > 0 => s,
            _ => throw MatrixException.InvalidParam($"{key} must be a non-empty string"),
        };

    public static void ThrowIfInvalid(FluentValidation.Results.ValidationResult result)
    {
        if (result.IsValid) return;
        var failure = result.Errors[0];
        var code = failure.ErrorCode switch
        {
            ErrorCodes.MissingParam or "NotNullValidator" or "NotEmptyValidator" => ErrorCodes.MissingParam,
            ErrorCodes.BadJson => ErrorCodes.BadJson,
            _ => ErrorCodes.InvalidParam,
        };
        throw new MatrixException(400, code, failure.ErrorMessage);
    }

    /// <summary>Serializer settings for response DTOs (snake_case, nulls omitted).</summary>
    public static readonly JsonSerializerOptions ResponseOptions = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };
}
