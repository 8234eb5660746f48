namespace Matrix.Federation.Identifiers;

/// <summary>An identifier of the form <c>&amp;localpart:server</c> (user IDs, room aliases), already validated.</summary>
public abstract record ServerScopedId
{
    private protected ServerScopedId(string value, string localpart, ServerName server)
    {
        Value = value;
        Localpart = localpart;
        Server = server;
    }

    /// <summary>The identifier as written, sigil included.</summary>
    public string Value { get; }

    public string Localpart { get; }

    public ServerName Server { get; }

    public sealed override string ToString() => Value;
}
