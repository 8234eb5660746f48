using System.Collections.Concurrent;
using Mediator;
using Microsoft.Extensions.DependencyInjection;

namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>
/// An IPublisher that records every notification and passes it on to the real one, so a test can see
/// what a feature published. Install it with <see cref="Install"/> as the services hook of TestHomeserver.
/// </summary>
public sealed class RecordingPublisher
{
    public ConcurrentQueue<object> Published { get; } = new();

    public IEnumerable<T> OfType<T>() => Published.OfType<T>();

    public void Install(IServiceCollection services) =>
        services.AddScoped<IPublisher>(sp => new Forwarder(this, sp.GetRequiredService<IMediator>()));

    private sealed class Forwarder(RecordingPublisher recorder, IPublisher inner) : IPublisher
    {
        public ValueTask Publish<TNotification>(TNotification notification, CancellationToken cancellationToken = default) where TNotification : INotification
        {
            recorder.Published.Enqueue(notification);
            return inner.Publish(notification, cancellationToken);
        }

        public ValueTask Publish(object notification, CancellationToken cancellationToken = default)
        {
            recorder.Published.Enqueue(notification);
            return inner.Publish(notification, cancellationToken);
        }
    }
}
