using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.RemoteRooms;

/// <summary>
/// A remote server's answer we refuse (a template that is not what we asked for, a send_join answer that does not
/// check out): another server may be tried. <see cref="ForClient"/> is what the client hears if none does better.
/// </summary>
public sealed class RemoteAnswerException(string server, string message, MatrixException? forClient = null) : Exception($"{server}: {message}")
{
    public string Server { get; } = server;

    public MatrixException ForClient { get; } = forClient ?? new MatrixException(502, ErrorCodes.Unknown, $"{server} gave an unusable answer");
}
