using FluentValidation;
using Matrix.Homeserver.Accounts.Login;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.FederationApi.Events;
using Matrix.Homeserver.FederationApi.Membership;
using Matrix.Homeserver.FederationApi.Transactions;
using Matrix.Homeserver.Media.Downloads;
using Matrix.Homeserver.Media.Preview;
using Matrix.Homeserver.Media.Uploads;
using Matrix.Homeserver.Push.Pushers;
using Matrix.Homeserver.Push.UserRules;
using Matrix.Homeserver.Reporting;
using Matrix.Homeserver.Rooms.Aliases;
using Matrix.Homeserver.Rooms.Creation;
using Matrix.Homeserver.Rooms.Directory;
using Matrix.Homeserver.Rooms.Membership;
using Matrix.Homeserver.Rooms.Upgrades;
using Matrix.Homeserver.Sync.Presence;
using Matrix.Homeserver.Sync.Sliding;
using Matrix.Homeserver.Sync.Typing;
using Matrix.Homeserver.UserDirectory;

namespace Matrix.Homeserver.Http;

/// <summary>
/// The validators endpoints take as <see cref="IValidator{T}"/>, named one by one: scanning the assembly for them loaded
/// every type it holds at start (~3 MiB that stayed resident). Singletons: a validator builds its rules once and keeps
/// no state. RequestValidatorsTests fails when a validator is missing here.
/// </summary>
internal static class RequestValidators
{
    public static IServiceCollection AddRequestValidators(this IServiceCollection services) => services
        .AddSingleton<IValidator<LoginBody>, LoginBodyValidator>()
        .AddSingleton<IValidator<RegisterBody>, RegisterBodyValidator>()
        .AddSingleton<IValidator<ChangePasswordBody>, ChangePasswordBodyValidator>()
        .AddSingleton<IValidator<CreateRoomBody>, CreateRoomBodyValidator>()
        .AddSingleton<IValidator<TargetBody>, TargetBodyValidator>()
        .AddSingleton<IValidator<AliasApi.AliasBody>, AliasApi.AliasBodyValidator>()
        .AddSingleton<IValidator<DirectoryApi.VisibilityBody>, DirectoryApi.VisibilityBodyValidator>()
        .AddSingleton<IValidator<UpgradeApi.UpgradeBody>, UpgradeApi.UpgradeBodyValidator>()
        .AddSingleton<IValidator<Events.Search.SearchBody>, Events.Search.SearchBodyValidator>()
        .AddSingleton<IValidator<UserDirectoryApi.SearchBody>, UserDirectoryApi.SearchBodyValidator>()
        .AddSingleton<IValidator<PresenceBody>, PresenceBodyValidator>()
        .AddSingleton<IValidator<TypingBody>, TypingBodyValidator>()
        .AddSingleton<IValidator<SlidingSyncRequest>, SlidingSyncRequestValidator>()
        .AddSingleton<IValidator<ReportingApi.ReportBody>, ReportingApi.ReportBodyValidator>()
        .AddSingleton<IValidator<PutPushRuleCommand>, PutPushRuleValidator>()
        .AddSingleton<IValidator<DeletePushRuleCommand>, DeletePushRuleValidator>()
        .AddSingleton<IValidator<SetPushRuleEnabledCommand>, SetPushRuleEnabledValidator>()
        .AddSingleton<IValidator<SetPushRuleActionsCommand>, SetPushRuleActionsValidator>()
        .AddSingleton<IValidator<SetPusherCommand>, SetPusherValidator>()
        .AddSingleton<IValidator<UploadMetadata>, UploadMetadataValidator>()
        .AddSingleton<IValidator<DownloadParameters>, DownloadParametersValidator>()
        .AddSingleton<IValidator<ThumbnailParameters>, ThumbnailParametersValidator>()
        .AddSingleton<IValidator<PreviewParameters>, PreviewParametersValidator>()
        .AddSingleton<IValidator<GetMissingEventsBody>, GetMissingEventsBodyValidator>()
        .AddSingleton<IValidator<InviteBody>, InviteBodyValidator>()
        .AddSingleton<IValidator<TransactionBody>, TransactionBodyValidator>();
}
