namespace Matrix.Homeserver.Tests.Media;

/// <summary>Test fixture: the system clock moved forward by <see cref="Offset"/>, to reach expiry times without waiting.</summary>
public sealed class ShiftableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
