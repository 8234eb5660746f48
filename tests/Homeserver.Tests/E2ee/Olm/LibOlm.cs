using System.Runtime.InteropServices;

namespace Matrix.Homeserver.Tests.E2ee.Olm;

/// <summary>
/// The few entry points of Debian's libolm3 (libolm.so.3) the tests' E2EE client needs. Every call
/// returns olm_error() ((size_t)-1) on failure; the wrappers turn that into an exception.
/// </summary>
internal static partial class LibOlm
{
    private const string Lib = "libolm.so.3";

    [LibraryImport(Lib)] internal static partial nuint olm_error();

    [LibraryImport(Lib)] internal static partial nuint olm_account_size();
    [LibraryImport(Lib)] internal static partial nint olm_account(nint memory);
    [LibraryImport(Lib)] internal static partial nint olm_account_last_error(nint account);
    [LibraryImport(Lib)] internal static partial nuint olm_create_account_random_length(nint account);
    [LibraryImport(Lib)] internal static partial nuint olm_create_account(nint account, byte[] random, nuint randomLength);
    [LibraryImport(Lib)] internal static partial nuint olm_account_identity_keys_length(nint account);
    [LibraryImport(Lib)] internal static partial nuint olm_account_identity_keys(nint account, byte[] keys, nuint length);
    [LibraryImport(Lib)] internal static partial nuint olm_account_signature_length(nint account);
    [LibraryImport(Lib)] internal static partial nuint olm_account_sign(nint account, byte[] message, nuint messageLength, byte[] signature, nuint signatureLength);
    [LibraryImport(Lib)] internal static partial nuint olm_account_one_time_keys_length(nint account);
    [LibraryImport(Lib)] internal static partial nuint olm_account_one_time_keys(nint account, byte[] keys, nuint length);
    [LibraryImport(Lib)] internal static partial nuint olm_account_mark_keys_as_published(nint account);
    [LibraryImport(Lib)] internal static partial nuint olm_account_generate_one_time_keys_random_length(nint account, nuint count);
    [LibraryImport(Lib)] internal static partial nuint olm_account_generate_one_time_keys(nint account, nuint count, byte[] random, nuint randomLength);
    [LibraryImport(Lib)] internal static partial nuint olm_remove_one_time_keys(nint account, nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_clear_account(nint account);

    [LibraryImport(Lib)] internal static partial nuint olm_session_size();
    [LibraryImport(Lib)] internal static partial nint olm_session(nint memory);
    [LibraryImport(Lib)] internal static partial nint olm_session_last_error(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_create_outbound_session_random_length(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_create_outbound_session(nint session, nint account, byte[] identityKey, nuint identityKeyLength, byte[] oneTimeKey, nuint oneTimeKeyLength, byte[] random, nuint randomLength);
    [LibraryImport(Lib)] internal static partial nuint olm_create_inbound_session(nint session, nint account, byte[] message, nuint messageLength);
    [LibraryImport(Lib)] internal static partial nuint olm_encrypt_message_type(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_encrypt_random_length(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_encrypt_message_length(nint session, nuint plaintextLength);
    [LibraryImport(Lib)] internal static partial nuint olm_encrypt(nint session, byte[] plaintext, nuint plaintextLength, byte[] random, nuint randomLength, byte[] message, nuint messageLength);
    [LibraryImport(Lib)] internal static partial nuint olm_decrypt_max_plaintext_length(nint session, nuint messageType, byte[] message, nuint messageLength);
    [LibraryImport(Lib)] internal static partial nuint olm_decrypt(nint session, nuint messageType, byte[] message, nuint messageLength, byte[] plaintext, nuint maxPlaintextLength);
    [LibraryImport(Lib)] internal static partial nuint olm_clear_session(nint session);

    [LibraryImport(Lib)] internal static partial nuint olm_outbound_group_session_size();
    [LibraryImport(Lib)] internal static partial nint olm_outbound_group_session(nint memory);
    [LibraryImport(Lib)] internal static partial nint olm_outbound_group_session_last_error(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_init_outbound_group_session_random_length(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_init_outbound_group_session(nint session, byte[] random, nuint randomLength);
    [LibraryImport(Lib)] internal static partial nuint olm_group_encrypt_message_length(nint session, nuint plaintextLength);
    [LibraryImport(Lib)] internal static partial nuint olm_group_encrypt(nint session, byte[] plaintext, nuint plaintextLength, byte[] message, nuint messageLength);
    [LibraryImport(Lib)] internal static partial nuint olm_outbound_group_session_id_length(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_outbound_group_session_id(nint session, byte[] id, nuint idLength);
    [LibraryImport(Lib)] internal static partial nuint olm_outbound_group_session_key_length(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_outbound_group_session_key(nint session, byte[] key, nuint keyLength);
    [LibraryImport(Lib)] internal static partial nuint olm_clear_outbound_group_session(nint session);

    [LibraryImport(Lib)] internal static partial nuint olm_inbound_group_session_size();
    [LibraryImport(Lib)] internal static partial nint olm_inbound_group_session(nint memory);
    [LibraryImport(Lib)] internal static partial nint olm_inbound_group_session_last_error(nint session);
    [LibraryImport(Lib)] internal static partial nuint olm_init_inbound_group_session(nint session, byte[] sessionKey, nuint sessionKeyLength);
    [LibraryImport(Lib)] internal static partial nuint olm_group_decrypt_max_plaintext_length(nint session, byte[] message, nuint messageLength);
    [LibraryImport(Lib)] internal static partial nuint olm_group_decrypt(nint session, byte[] message, nuint messageLength, byte[] plaintext, nuint maxPlaintextLength, out uint messageIndex);
    [LibraryImport(Lib)] internal static partial nuint olm_clear_inbound_group_session(nint session);

    /// <summary>Throws with libolm's own error text when a call failed.</summary>
    internal static nuint Check(nuint result, Func<nint, nint> lastError, nint handle)
    {
        if (result != olm_error()) return result;
        throw new InvalidOperationException("libolm: " + Marshal.PtrToStringAnsi(lastError(handle)));
    }
}
