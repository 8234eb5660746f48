using System.Text.Json.Nodes;

namespace Matrix.Federation.Transport.Client;

/// <summary>An outbound federation request did not give a successful JSON answer.</summary>
public abstract class FederationException(string destination, string message, Exception? inner = null) : Exception(message, inner)
{
    public string Destination { get; } = destination;
}

/// <summary>The remote server answered with an error status; its errcode and error when the body was a Matrix error.</summary>
public sealed class FederationHttpException(string destination, int statusCode, string? errCode, string? error, JsonObject? body)
    : FederationException(destination, $"{destination} answered {statusCode} {errCode}: {error}")
{
    public int StatusCode { get; } = statusCode;
    public string? ErrCode { get; } = errCode;
    public string? Error { get; } = error;
    public JsonObject? Body { get; } = body;
}

/// <summary>The server could not be reached or gave no usable answer: discovery, connect, TLS, timeout, oversized or non-JSON body.</summary>
public sealed class FederationUnreachableException(string destination, string message, Exception? inner = null)
    : FederationException(destination, message, inner);

/// <summary>We chose not to contact the server: federation is disabled, the domain is denied, or it resolves only to non-public addresses.</summary>
public sealed class FederationRefusedException(string destination, string message, Exception? inner = null)
    : FederationException(destination, message, inner);
