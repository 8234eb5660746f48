using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Federation.Transport.Keys;
using Matrix.Homeserver.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Matrix.Homeserver.Tests.Federation;

/// <summary>
/// A hand-made "homeserver" on loopback TLS (certificate from the federation's test CA) that publishes a signing
/// key and answers other federation requests with whatever a test says, to play a misbehaving server. Requests it
/// got are recorded.
/// </summary>
public sealed class FakeFederationServer : IAsyncDisposable
{
    private LoopbackApp? _app;

    private FakeFederationServer(string serverName)
    {
        ServerName = serverName;
        Answers["/_matrix/key/v2/server"] = _ => ServerKeysResponse.Build(serverName, Key, [], DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds());
    }

    public string ServerName { get; }

    /// <summary>Its published signing key, to sign events as it.</summary>
    public SigningKey Key { get; } = SigningKey.Generate("fake");

    /// <summary>Answers by path prefix; unknown paths get 404 M_UNRECOGNIZED.</summary>
    public ConcurrentDictionary<string, Func<HttpRequest, JsonNode>> Answers { get; } = new(StringComparer.Ordinal);

    /// <summary>Answers to a POSTed JSON body by path prefix (status and body), looked at before <see cref="Answers"/>.</summary>
    public ConcurrentDictionary<string, Func<JsonObject, (int Status, JsonNode Body)>> Posts { get; } = new(StringComparer.Ordinal);

    public List<string> Requests { get; } = [];

    public static async Task<FakeFederationServer> StartAsync(TestFederation federation, string serverName, int port)
    {
        var (certificatePath, keyPath) = federation.IssueCertificate(serverName);
        var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var fake = new FakeFederationServer(serverName);
        fake._app = await LoopbackApp.StartAsync(app => app.Run(fake.AnswerAsync),
            k => k.Listen(IPAddress.Loopback, port, listen => listen.UseHttps(certificate)));
        return fake;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        lock (Requests) Requests.Add($"{context.Request.Method} {path}");
        context.Response.ContentType = "application/json";
        var post = Posts.FirstOrDefault(a => path.StartsWith(a.Key, StringComparison.Ordinal)).Value;
        if (context.Request.Method == "POST" && post is not null)
        {
            var (status, body) = post((await JsonNode.ParseAsync(context.Request.Body))!.AsObject());
            context.Response.StatusCode = status;
            await context.Response.WriteAsync(body.ToJsonString());
            return;
        }

        var answer = Answers.FirstOrDefault(a => path.StartsWith(a.Key, StringComparison.Ordinal)).Value;
        if (answer is null)
        {
            context.Response.StatusCode = 404;
            await context.Response.WriteAsync("""{"errcode":"M_UNRECOGNIZED","error":"Unrecognized request"}""");
            return;
        }

        await context.Response.WriteAsync(answer(context.Request).ToJsonString());
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null) await _app.DisposeAsync();
        Key.Dispose();
    }
}
