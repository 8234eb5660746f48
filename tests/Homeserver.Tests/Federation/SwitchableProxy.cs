using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// A loopback TCP relay in front of a server's federation listener that can be switched off: then every open
/// connection is cut and new ones are reset, which is what a server that went down looks like to a sender.
/// </summary>
public sealed class SwitchableProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly Task _accepting;
    private volatile bool _up = true;

    public SwitchableProxy()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>The loopback port connections are relayed to.</summary>
    public int TargetPort { get; set; }

    public bool IsUp
    {
        get => _up;
        set
        {
            _up = value;
            if (value) return;
            foreach (var connection in _open.Keys) Reset(connection);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        foreach (var connection in _open.Keys) Reset(connection);
        await _accepting;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_up) _ = RelayAsync(client);
            else Reset(client);
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        _open[client] = 0;
        _open[upstream] = 0;
        try
        {
            await upstream.ConnectAsync(IPAddress.Loopback, TargetPort, _stop.Token);
            var up = client.GetStream().CopyToAsync(upstream.GetStream(), _stop.Token);
            var down = upstream.GetStream().CopyToAsync(client.GetStream(), _stop.Token);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // A cut connection ends the relay.
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(upstream, out _);
            Reset(client);
            Reset(upstream);
        }
    }

    private static void Reset(TcpClient connection)
    {
        try
        {
            // A connection closed already (by the relay's end, or another reset) has no socket left.
            if (connection.Client is { } socket) socket.LingerState = new LingerOption(true, 0);
            connection.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
}
