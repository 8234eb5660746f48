using System.Text.Json.Nodes;
using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Events.Search;

/// <summary>The body of POST /search.</summary>
public sealed record SearchBody(SearchCategories? SearchCategories);

public sealed record SearchCategories(RoomEventsCriteria? RoomEvents);

/// <summary>The room_events category: what to search, how to order, and what to return with each result.</summary>
public sealed record RoomEventsCriteria(
    string? SearchTerm,
    IReadOnlyList<string>? Keys,
    JsonObject? Filter,
    string? OrderBy,
    SearchEventContext? EventContext,
    bool? IncludeState,
    SearchGroupings? Groupings);

public sealed record SearchEventContext(int? BeforeLimit, int? AfterLimit, bool? IncludeProfile);

public sealed record SearchGroupings(IReadOnlyList<SearchGroupBy>? GroupBy);

public sealed record SearchGroupBy(string? Key);

internal sealed class SearchBodyValidator : AbstractValidator<SearchBody>
{
    /// <summary>Context around a result is bounded like a page.</summary>
    public const int MaxContextLimit = 100;

    public static readonly IReadOnlyList<string> GroupKeys = ["room_id", "sender"];

    public SearchBodyValidator()
    {
        RuleFor(b => b.SearchCategories).NotNull().WithMessage("search_categories is required");
        RuleFor(b => b.SearchCategories!.RoomEvents!).SetValidator(new CriteriaValidator()).When(b => b.SearchCategories?.RoomEvents is not null);
    }

    private sealed class CriteriaValidator : AbstractValidator<RoomEventsCriteria>
    {
        public CriteriaValidator()
        {
            RuleFor(c => c.SearchTerm).NotNull().WithMessage("search_term is required");
            RuleForEach(c => c.Keys).Must(k => SearchRows.AllKeys.Contains(k)).WithErrorCode(ErrorCodes.InvalidParam)
                .WithMessage("keys may only hold content.body, content.name and content.topic");
            RuleFor(c => c.OrderBy).Must(o => o is null or "rank" or "recent").WithErrorCode(ErrorCodes.InvalidParam)
                .WithMessage("order_by must be rank or recent");
            RuleFor(c => c.EventContext!.BeforeLimit).InclusiveBetween(0, MaxContextLimit).When(c => c.EventContext?.BeforeLimit is not null)
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"before_limit must be 0 to {MaxContextLimit}");
            RuleFor(c => c.EventContext!.AfterLimit).InclusiveBetween(0, MaxContextLimit).When(c => c.EventContext?.AfterLimit is not null)
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"after_limit must be 0 to {MaxContextLimit}");
            RuleForEach(c => c.Groupings!.GroupBy).Must(g => g.Key is not null && GroupKeys.Contains(g.Key)).When(c => c.Groupings?.GroupBy is not null)
                .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("group_by keys must be room_id or sender");
        }
    }
}
