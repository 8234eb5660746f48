namespace Matrix.Homeserver.Tests.Infrastructure;

/// <summary>Waiting for what a server does after it has answered (queues, other servers, background loops).</summary>
internal static class Eventually
{
    /// <summary>Polls until the condition holds (true) or the timeout (30 s unless given) passed (false).</summary>
    public static async Task<bool> HoldsAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) return false;
            await Task.Delay(50);
        }

        return true;
    }
}
