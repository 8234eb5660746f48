using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Sync.Sliding;

/// <summary>Synapse's limits on a sliding sync body: 100 lists with keys of 64 characters, timeline_limit up to 1000, pairs of state entries and ranges.</summary>
internal sealed class SlidingSyncRequestValidator : AbstractValidator<SlidingSyncRequest>
{
    public const int MaxLists = 100;
    public const int MaxListKeyLength = 64;
    public const int MaxTimelineLimit = 1000;
    public const int MaxConnIdLength = 256;

    public SlidingSyncRequestValidator()
    {
        RuleFor(r => r.ConnId).MaximumLength(MaxConnIdLength).WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"conn_id is longer than {MaxConnIdLength}");
        RuleFor(r => r.Lists).Must(l => l is null || l.Count <= MaxLists).WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"At most {MaxLists} lists");
        RuleForEach(r => r.Lists).ChildRules(list =>
        {
            list.RuleFor(kv => kv.Key).MaximumLength(MaxListKeyLength).WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"List keys are at most {MaxListKeyLength} characters");
            list.RuleFor(kv => kv.Value).NotNull().WithErrorCode(ErrorCodes.BadJson).WithMessage("A list must be an object");
            list.RuleFor(kv => kv.Value.Ranges).Must(BeRanges!).WithErrorCode(ErrorCodes.InvalidParam)
                .WithMessage("ranges must be [start, end] pairs with 0 <= start <= end").When(kv => kv.Value is not null);
            list.RuleFor(kv => kv.Value).SetValidator(new RoomParametersValidator()).When(kv => kv.Value is not null);
        });
        RuleForEach(r => r.RoomSubscriptions).ChildRules(sub =>
        {
            sub.RuleFor(kv => kv.Key).Must(k => k.StartsWith('!')).WithErrorCode(ErrorCodes.InvalidParam).WithMessage("room_subscriptions are keyed by room ID");
            sub.RuleFor(kv => kv.Value).NotNull().WithErrorCode(ErrorCodes.BadJson).WithMessage("A subscription must be an object");
            sub.RuleFor(kv => kv.Value).SetValidator(new RoomParametersValidator()).When(kv => kv.Value is not null);
        });
    }

    private static bool BeRanges(List<List<long>>? ranges) => ranges is null || ranges.All(r => r is [var start, var end] && start >= 0 && start <= end);

    private sealed class RoomParametersValidator : AbstractValidator<RoomParameters>
    {
        public RoomParametersValidator()
        {
            RuleFor(p => p.TimelineLimit).InclusiveBetween(0, MaxTimelineLimit).WithErrorCode(ErrorCodes.InvalidParam)
                .WithMessage($"timeline_limit must be between 0 and {MaxTimelineLimit}");
            RuleFor(p => p.RequiredState).Must(s => s is null || s.All(e => e is [not null, not null])).WithErrorCode(ErrorCodes.InvalidParam)
                .WithMessage("required_state entries are [type, state_key] pairs");
        }
    }
}
