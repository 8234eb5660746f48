using FluentValidation;
using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Storage;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Accounts.Management;

public sealed record ChangePasswordBody(string? NewPassword, bool? LogoutDevices, System.Text.Json.Nodes.JsonObject? Auth);

internal sealed class ChangePasswordBodyValidator : AbstractValidator<ChangePasswordBody>
{
    public ChangePasswordBodyValidator() => RuleFor(b => b.NewPassword).NotNull().WithMessage("new_password is required");
}

public sealed record DeactivateBody(bool? Erase, string? IdServer, System.Text.Json.Nodes.JsonObject? Auth);

/// <summary>POST /account/password: after a password prompt, sets the new password; by default other devices are logged out.</summary>
public sealed record ChangePasswordCommand(Requester Requester, ChangePasswordBody Body, UiaRequest Uia) : ICommand<Unit>;

/// <summary>POST /account/deactivate: after a password prompt, closes the account for good.</summary>
public sealed record DeactivateCommand(Requester Requester, bool Erase, UiaRequest Uia) : ICommand<Unit>;

public sealed class AccountManagementHandlers(
    HomeserverDbContext db,
    UserInteractiveAuth uia,
    PasswordPolicy policy,
    PasswordHasher hasher,
    DeviceService devices,
    AccessTokenService tokens,
    IPublisher publisher) : ICommandHandler<ChangePasswordCommand, Unit>, ICommandHandler<DeactivateCommand, Unit>
{
    private static readonly UiaFlow[] PasswordFlow = [new(UiaStageTypes.Password)];

    public async ValueTask<Unit> Handle(ChangePasswordCommand command, CancellationToken cancellationToken)
    {
        var requester = command.Requester;
        var newPassword = command.Body.NewPassword!;
        policy.Check(newPassword);
        await uia.RequireAsync(command.Uia, PasswordFlow, "change your password", cancellationToken: cancellationToken);
        var hash = await hasher.HashAsync(newPassword);
        await db.Users.Where(u => u.UserId == requester.UserId)
            .ExecuteUpdateAsync(s => s.SetProperty(u => u.PasswordHash, hash), cancellationToken);

        // The spec: the requesting session survives; the others go unless the client asks to keep them.
        if (command.Body.LogoutDevices ?? true) await devices.DeleteAllAsync(requester.UserId, keepDeviceId: requester.DeviceId, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<Unit> Handle(DeactivateCommand command, CancellationToken cancellationToken)
    {
        var userId = command.Requester.UserId;
        await uia.RequireAsync(command.Uia, PasswordFlow, "deactivate your account", cancellationToken: cancellationToken);

        await using (var transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            // Marked first: from here on no token of the user validates, whatever happens below.
            await db.Users.Where(u => u.UserId == userId).ExecuteUpdateAsync(s => s
                .SetProperty(u => u.Deactivated, true)
                .SetProperty(u => u.PasswordHash, (string?)null)
                .SetProperty(u => u.DisplayName, (string?)null)
                .SetProperty(u => u.AvatarUrl, (string?)null), cancellationToken);
            await db.ProfileFields.Where(f => f.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.AccountData.Where(a => a.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.UserFilters.Where(f => f.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await db.LoginTokens.Where(t => t.UserId == userId).ExecuteDeleteAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        tokens.InvalidateCache(r => r.UserId == userId);
        await devices.DeleteAllAsync(userId, keepDeviceId: null, cancellationToken);
        await publisher.Publish(new UserDeactivated(userId, command.Erase), cancellationToken);
        return Unit.Value;
    }
}
