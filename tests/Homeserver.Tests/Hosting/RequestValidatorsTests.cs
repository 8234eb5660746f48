using FluentValidation;
using Matrix.Homeserver.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Hosting;

/// <summary>The request validators are registered by hand (Http/RequestValidators.cs); none may be left out.</summary>
public sealed class RequestValidatorsTests
{
    [Fact]
    public void Every_request_validator_is_registered()
    {
        using var services = new ServiceCollection().AddRequestValidators().BuildServiceProvider();
        // Every validator of the server but the settings' (Configuration, run at start-up) and the private ones that a
        // validator applies to a part of its body.
        var validators = typeof(RequestValidators).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && !t.IsNestedPrivate && t.Namespace != "Matrix.Homeserver.Configuration")
            .Select(t => (Type: t, Target: ValidatedType(t)))
            .Where(v => v.Target is not null)
            .ToList();

        Assert.True(validators.Count >= 25, $"found only {validators.Count} validators");
        foreach (var (type, target) in validators)
        {
            var registered = services.GetService(typeof(IValidator<>).MakeGenericType(target!));
            Assert.True(registered?.GetType() == type, $"{type.FullName} is not registered in RequestValidators");
        }
    }

    private static Type? ValidatedType(Type type)
    {
        for (var t = type.BaseType; t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(AbstractValidator<>)) return t.GetGenericArguments()[0];
        }

        return null;
    }
}
