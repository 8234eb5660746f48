using System.Text.Json;
using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Sync.Filtering;

/// <summary>Stored filters (POST /user/{userId}/filter) by ID; the accounts feature owns them.</summary>
public interface IStoredFilters
{
    /// <summary>The filter JSON the user stored under this ID, or null when there is none.</summary>
    Task<JsonObject?> FindAsync(string userId, string filterId, CancellationToken cancellationToken);
}

/// <summary>
/// The /sync filter parameter: inline JSON when it starts with "{", else the ID of a stored filter
/// (spec: GET /sync, filter). The timeline limit is capped like Synapse's filter_timeline_limit.
/// </summary>
public sealed class SyncFilterLoader(HomeserverOptions options, IValidator<FilterDefinition> validator, IStoredFilters? stored = null)
{
    public async Task<FilterDefinition> LoadAsync(string? parameter, string userId, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(parameter)) return FilterDefinition.Default;
        JsonObject json;
        if (parameter.StartsWith('{'))
        {
            try
            {
                json = JsonNode.Parse(parameter, documentOptions: new JsonDocumentOptions { MaxDepth = JsonBody.MaxDepth }) as JsonObject
                    ?? throw MatrixException.BadJson("filter must be a JSON object");
            }
            catch (JsonException)
            {
                throw MatrixException.NotJson("filter is not valid JSON");
            }
        }
        else
        {
            json = (stored is null ? null : await stored.FindAsync(userId, parameter, cancellationToken))
                ?? throw MatrixException.InvalidParam("No such filter");
        }

        return Cap(JsonBody.Bind(json, validator));
    }

    private FilterDefinition Cap(FilterDefinition filter)
    {
        var max = options.Sync.MaxTimelineLimit;
        if (filter.Room?.Timeline is not { Limit: { } limit } timeline || limit <= max) return filter;
        return filter with { Room = filter.Room with { Timeline = timeline with { Limit = max } } };
    }
}

/// <summary>The shape rules JSON binding cannot express: positive limits, a known event format.</summary>
public sealed class FilterDefinitionValidator : AbstractValidator<FilterDefinition>
{
    public FilterDefinitionValidator()
    {
        RuleFor(f => f.EventFormat).Must(f => f is null or "client" or "federation").WithMessage("event_format must be client or federation");
        RuleFor(f => f.Presence).SetValidator(new EventFilterValidator()!).When(f => f.Presence is not null);
        RuleFor(f => f.AccountData).SetValidator(new EventFilterValidator()!).When(f => f.AccountData is not null);
        RuleFor(f => f.Room!.Timeline).SetValidator(new EventFilterValidator()!).When(f => f.Room?.Timeline is not null);
        RuleFor(f => f.Room!.State).SetValidator(new EventFilterValidator()!).When(f => f.Room?.State is not null);
        RuleFor(f => f.Room!.Ephemeral).SetValidator(new EventFilterValidator()!).When(f => f.Room?.Ephemeral is not null);
        RuleFor(f => f.Room!.AccountData).SetValidator(new EventFilterValidator()!).When(f => f.Room?.AccountData is not null);
    }

    private sealed class EventFilterValidator : AbstractValidator<EventFilter>
    {
        public EventFilterValidator() =>
            RuleFor(f => f.Limit).GreaterThan(0).When(f => f.Limit is not null).WithMessage("limit must be greater than 0");
    }
}
