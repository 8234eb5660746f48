using System.Net;
using System.Text;
using Matrix.Federation.Transport.Discovery;

namespace Matrix.Federation.Tests.Transport;

/// <summary>DNS answers set by the test; every question is recorded.</summary>
internal sealed class FakeDns : IDnsResolver
{
    public Dictionary<string, List<SrvRecord>> Srv { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<string, List<IPAddress>> Addresses { get; } = new(StringComparer.OrdinalIgnoreCase);
    public HashSet<string> Failing { get; } = new(StringComparer.OrdinalIgnoreCase);
    public List<string> Questions { get; } = [];

    public Task<IReadOnlyList<SrvRecord>> ResolveSrvAsync(string name, CancellationToken cancellationToken)
    {
        Questions.Add("SRV " + name);
        if (Failing.Contains(name)) throw new DnsLookupException("timeout");
        return Task.FromResult<IReadOnlyList<SrvRecord>>(Srv.GetValueOrDefault(name) ?? []);
    }

    public Task<IReadOnlyList<IPAddress>> ResolveAddressesAsync(string host, CancellationToken cancellationToken)
    {
        Questions.Add("A " + host);
        return Task.FromResult<IReadOnlyList<IPAddress>>(Addresses.GetValueOrDefault(host) ?? []);
    }
}

/// <summary>An HTTP server in a delegate: each request is recorded and answered by the test's function.</summary>
internal sealed class FakeHttp(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
{
    public List<HttpRequestMessage> Requests { get; } = [];
    public List<string?> Bodies { get; } = [];

    public int Count(string uri) => Requests.Count(r => r.RequestUri!.ToString() == uri);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (Requests) Requests.Add(request);
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        lock (Bodies) Bodies.Add(body);
        return answer(request);
    }

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK, Action<HttpResponseMessage>? headers = null)
    {
        var response = new HttpResponseMessage(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        headers?.Invoke(response);
        return response;
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;

    public void Advance(TimeSpan by) => Now += by;
}
