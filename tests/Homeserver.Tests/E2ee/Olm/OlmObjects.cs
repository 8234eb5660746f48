using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using static Matrix.Homeserver.Tests.E2ee.Olm.LibOlm;

namespace Matrix.Homeserver.Tests.E2ee.Olm;

/// <summary>Native memory for one libolm object, cleared and freed on dispose.</summary>
internal abstract class OlmHandle : IDisposable
{
    private readonly nint _memory;

    protected OlmHandle(nuint size, Func<nint, nint> init)
    {
        _memory = Marshal.AllocHGlobal((nint)size);
        Handle = init(_memory);
    }

    public nint Handle { get; }

    protected abstract void Clear();

    public void Dispose()
    {
        Clear();
        Marshal.FreeHGlobal(_memory);
    }

    protected static byte[] Random(nuint length) => RandomNumberGenerator.GetBytes((int)length);

    protected static string Text(byte[] bytes, nuint length) => Encoding.UTF8.GetString(bytes, 0, (int)length);
}

/// <summary>A device's long-term Olm identity (Curve25519 + Ed25519) and its one-time keys.</summary>
internal sealed class OlmAccount : OlmHandle
{
    public OlmAccount() : base(olm_account_size(), olm_account)
    {
        var random = Random(olm_create_account_random_length(Handle));
        Check(olm_create_account(Handle, random, (nuint)random.Length));
    }

    /// <summary>{"curve25519": "...", "ed25519": "..."}</summary>
    public JsonObject IdentityKeys
    {
        get
        {
            var buffer = new byte[olm_account_identity_keys_length(Handle)];
            var n = Check(olm_account_identity_keys(Handle, buffer, (nuint)buffer.Length));
            return JsonNode.Parse(Text(buffer, n))!.AsObject();
        }
    }

    public string Curve25519 => IdentityKeys["curve25519"]!.GetValue<string>();
    public string Ed25519 => IdentityKeys["ed25519"]!.GetValue<string>();

    public string Sign(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message);
        var signature = new byte[olm_account_signature_length(Handle)];
        var n = Check(olm_account_sign(Handle, bytes, (nuint)bytes.Length, signature, (nuint)signature.Length));
        return Text(signature, n);
    }

    /// <summary>Generates keys and returns the unpublished ones: {"curve25519": {id: key}}.</summary>
    public JsonObject GenerateOneTimeKeys(int count)
    {
        var random = Random(olm_account_generate_one_time_keys_random_length(Handle, (nuint)count));
        Check(olm_account_generate_one_time_keys(Handle, (nuint)count, random, (nuint)random.Length));
        var buffer = new byte[olm_account_one_time_keys_length(Handle)];
        var n = Check(olm_account_one_time_keys(Handle, buffer, (nuint)buffer.Length));
        return JsonNode.Parse(Text(buffer, n))!.AsObject();
    }

    public void MarkKeysAsPublished() => Check(olm_account_mark_keys_as_published(Handle));

    public void RemoveOneTimeKeys(OlmSession session) => Check(olm_remove_one_time_keys(Handle, session.Handle));

    private nuint Check(nuint result) => LibOlm.Check(result, olm_account_last_error, Handle);

    protected override void Clear() => olm_clear_account(Handle);
}

/// <summary>A pairwise Olm session between two devices.</summary>
internal sealed class OlmSession : OlmHandle
{
    private OlmSession() : base(olm_session_size(), olm_session)
    {
    }

    public static OlmSession CreateOutbound(OlmAccount account, string theirIdentityKey, string theirOneTimeKey)
    {
        var session = new OlmSession();
        var identity = Encoding.UTF8.GetBytes(theirIdentityKey);
        var oneTime = Encoding.UTF8.GetBytes(theirOneTimeKey);
        var random = Random(olm_create_outbound_session_random_length(session.Handle));
        session.Check(olm_create_outbound_session(session.Handle, account.Handle, identity, (nuint)identity.Length, oneTime, (nuint)oneTime.Length, random, (nuint)random.Length));
        return session;
    }

    /// <summary>From a pre-key message (type 0) that used one of our one-time keys.</summary>
    public static OlmSession CreateInbound(OlmAccount account, string preKeyMessage)
    {
        var session = new OlmSession();
        var message = Encoding.UTF8.GetBytes(preKeyMessage);
        session.Check(olm_create_inbound_session(session.Handle, account.Handle, message, (nuint)message.Length));
        return session;
    }

    public (int Type, string Body) Encrypt(string plaintext)
    {
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        var type = (int)olm_encrypt_message_type(Handle);
        var random = Random(olm_encrypt_random_length(Handle));
        var message = new byte[olm_encrypt_message_length(Handle, (nuint)bytes.Length)];
        var n = Check(olm_encrypt(Handle, bytes, (nuint)bytes.Length, random, (nuint)random.Length, message, (nuint)message.Length));
        return (type, Text(message, n));
    }

    public string Decrypt(int type, string body)
    {
        // libolm consumes (overwrites) the message buffer: give each call its own copy.
        var forLength = Encoding.UTF8.GetBytes(body);
        var max = Check(olm_decrypt_max_plaintext_length(Handle, (nuint)type, forLength, (nuint)forLength.Length));
        var message = Encoding.UTF8.GetBytes(body);
        var plaintext = new byte[max];
        var n = Check(olm_decrypt(Handle, (nuint)type, message, (nuint)message.Length, plaintext, max));
        return Text(plaintext, n);
    }

    private nuint Check(nuint result) => LibOlm.Check(result, olm_session_last_error, Handle);

    protected override void Clear() => olm_clear_session(Handle);
}

/// <summary>A Megolm sender session: one per room per sender device.</summary>
internal sealed class OlmOutboundGroupSession : OlmHandle
{
    public OlmOutboundGroupSession() : base(olm_outbound_group_session_size(), olm_outbound_group_session)
    {
        var random = Random(olm_init_outbound_group_session_random_length(Handle));
        Check(olm_init_outbound_group_session(Handle, random, (nuint)random.Length));
    }

    public string SessionId
    {
        get
        {
            var buffer = new byte[olm_outbound_group_session_id_length(Handle)];
            return Text(buffer, Check(olm_outbound_group_session_id(Handle, buffer, (nuint)buffer.Length)));
        }
    }

    /// <summary>The key a recipient needs (sent inside an Olm-encrypted m.room_key).</summary>
    public string SessionKey
    {
        get
        {
            var buffer = new byte[olm_outbound_group_session_key_length(Handle)];
            return Text(buffer, Check(olm_outbound_group_session_key(Handle, buffer, (nuint)buffer.Length)));
        }
    }

    public string Encrypt(string plaintext)
    {
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        var message = new byte[olm_group_encrypt_message_length(Handle, (nuint)bytes.Length)];
        return Text(message, Check(olm_group_encrypt(Handle, bytes, (nuint)bytes.Length, message, (nuint)message.Length)));
    }

    private nuint Check(nuint result) => LibOlm.Check(result, olm_outbound_group_session_last_error, Handle);

    protected override void Clear() => olm_clear_outbound_group_session(Handle);
}

/// <summary>A Megolm receiver session, created from the sender's session key.</summary>
internal sealed class OlmInboundGroupSession : OlmHandle
{
    public OlmInboundGroupSession(string sessionKey) : base(olm_inbound_group_session_size(), olm_inbound_group_session)
    {
        var key = Encoding.UTF8.GetBytes(sessionKey);
        Check(olm_init_inbound_group_session(Handle, key, (nuint)key.Length));
    }

    public string Decrypt(string ciphertext)
    {
        var forLength = Encoding.UTF8.GetBytes(ciphertext);
        var max = Check(olm_group_decrypt_max_plaintext_length(Handle, forLength, (nuint)forLength.Length));
        var message = Encoding.UTF8.GetBytes(ciphertext);
        var plaintext = new byte[max];
        return Text(plaintext, Check(olm_group_decrypt(Handle, message, (nuint)message.Length, plaintext, max, out _)));
    }

    private nuint Check(nuint result) => LibOlm.Check(result, olm_inbound_group_session_last_error, Handle);

    protected override void Clear() => olm_clear_inbound_group_session(Handle);
}
