using FluentValidation;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Http;
using Mediator;

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
/// <summary>Returns the id_server_unbind_result.</summary>
public sealed record DeactivateCommand(Requester Requester, bool Erase, string? IdServer, UiaRequest Uia) : ICommand<string>;

public sealed class AccountManagementHandlers(
    UserInteractiveAuth uia,
    PasswordPolicy policy,
    PasswordSetter passwords,
    AccountDeactivator deactivator) : ICommandHandler<ChangePasswordCommand, Unit>, ICommandHandler<DeactivateCommand, string>
{
    private static readonly UiaFlow[] PasswordFlow = [new(UiaStageTypes.Password)];

    public async ValueTask<Unit> Handle(ChangePasswordCommand command, CancellationToken cancellationToken)
    {
        var requester = command.Requester;
        var newPassword = command.Body.NewPassword!;
        policy.Check(newPassword);
        await uia.RequireAsync(command.Uia, PasswordFlow, "change your password", cancellationToken: cancellationToken);

        // The spec: the requesting session survives; the others go unless the client asks to keep them.
        await passwords.SetAsync(requester.UserId, newPassword, command.Body.LogoutDevices ?? true, keepDeviceId: requester.DeviceId, cancellationToken);
        return Unit.Value;
    }

    public async ValueTask<string> Handle(DeactivateCommand command, CancellationToken cancellationToken)
    {
        await uia.RequireAsync(command.Uia, PasswordFlow, "deactivate your account", cancellationToken: cancellationToken);
        return await deactivator.DeactivateAsync(command.Requester.UserId, command.Erase, cancellationToken, command.IdServer);
    }
}
