using Matrix.Homeserver.Push.Notifications;

namespace Matrix.Homeserver.Sync.Receipts;

/// <summary>The receipt types of the spec (m.fully_read is a read marker that the receipt endpoint also accepts).</summary>
public static class ReceiptTypes
{
    public const string Read = "m.read";
    public const string ReadPrivate = "m.read.private";
    public const string FullyRead = "m.fully_read";

    /// <summary>The thread ID of the main timeline in threaded receipts.</summary>
    public const string MainThread = EventThreads.Main;

    public static bool IsPrivate(string receiptType) => receiptType == ReadPrivate;
}
