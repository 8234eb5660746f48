using Matrix.Homeserver.Accounts.AccountData;
using Matrix.Homeserver.Accounts.Capabilities;
using Matrix.Homeserver.Accounts.Devices;
using Matrix.Homeserver.Accounts.Filters;
using Matrix.Homeserver.Accounts.Login;
using Matrix.Homeserver.Accounts.Management;
using Matrix.Homeserver.Accounts.Passwords;
using Matrix.Homeserver.Accounts.Profiles;
using Matrix.Homeserver.Accounts.Registration;
using Matrix.Homeserver.Accounts.Tokens;
using Matrix.Homeserver.Accounts.Uia;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Streams;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Matrix.Homeserver.Accounts;

/// <summary>The accounts feature's services and routes, added by the host.</summary>
public static class AccountsSetup
{
    public static IServiceCollection AddAccounts(this IServiceCollection services, HomeserverOptions options)
    {
        services.AddSingleton(options.Auth);
        services.AddSingleton(new RateLimits(options.RateLimits));
        services.AddSingleton<PasswordHasher>();
        services.AddSingleton<ThreePids.IdentityServerBindings>();
        services.AddSingleton<PasswordPolicy>();
        services.AddScoped<SessionIssuer>();
        services.AddSingleton<LoginTokenService>();
        services.AddSingleton<AccountExpiries>();
        services.AddSingleton<RegistrationTokenService>();
        services.AddSingleton<SharedSecretNonces>();
        services.AddSingleton<DeviceActivity>();
        services.AddHostedService<DeviceActivityFlusher>();
        services.AddHostedService<AccountsCleanup>();
        services.AddHostedService<AccessTokenRevalidator>();
        services.AddSingleton<IStreamSource, AccountDataStreamSource>();

        services.AddSingleton<IUiaStage, DummyStage>();
        services.AddScoped<IUiaStage, PasswordStage>();
        services.AddScoped<IUiaStage, RegistrationTokenStage>();
        services.AddScoped<UserInteractiveAuth>();
        services.AddScoped<PasswordAuthenticator>();
        services.AddScoped<RefreshTokenService>();
        services.AddScoped<AccountCreator>();
        services.AddScoped<DeviceService>();
        services.AddScoped<PasswordSetter>();
        services.AddScoped<AccountDeactivator>();
        services.AddSingleton<ErasedUsers>();
        services.AddScoped<ProfileService>();
        services.TryAddSingleton<IRemoteProfileLookup, NoRemoteProfiles>();
        services.AddScoped<AccountDataService>();
        services.AddSingleton<AccountDataLocks>();
        services.AddSingleton<IgnoredUsers>();
        services.AddSingleton<FilterService>();
        return services;
    }

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        var options = app.ServiceProvider.GetRequiredService<HomeserverOptions>();
        app.MapRegistrationApi();
        app.MapRegistrationTokensAdminApi();
        app.MapSharedSecretRegistrationApi();
        app.MapLoginApi(options.Auth);
        app.MapAccountApi();
        app.MapDevicesApi();
        app.MapProfileApi();
        app.MapAccountDataApi();
        app.MapFilterApi();
        app.MapCapabilitiesApi();
        return app;
    }
}
