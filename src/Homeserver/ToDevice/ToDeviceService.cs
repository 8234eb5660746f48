using System.Text;
using System.Text.Json.Nodes;
using Matrix.Crypto;
using Matrix.Homeserver.Accounts;
using Matrix.Homeserver.Configuration;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Keys;
using Matrix.Homeserver.Storage;
using Matrix.Homeserver.Storage.Entities;
using Matrix.Homeserver.Streams;
using Mediator;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.ToDevice;

/// <summary>A transaction of a local device: a retried send with the same ID stores nothing again.</summary>
public sealed record ToDeviceTxn(string UserId, string DeviceId, string TxnId);

/// <summary>
/// Stores to-device messages for local devices ("*" = every device of the user; unknown devices are
/// skipped), each with the stream position of its send, and wakes the recipients' long-polls. Sends
/// from local clients may also name remote users: those are handed to federation as a notification.
/// The federation receiver calls <see cref="DeliverLocalAsync"/> for m.direct_to_device EDUs.
/// </summary>
public sealed class ToDeviceService(HomeserverDbContext db, StreamIdGenerator streams, StreamChanges changes, SyncNotifier notifier, IPublisher publisher, HomeserverOptions options, TimeProvider clock)
{
    /// <summary>Recipient devices of one send, after "*" expansion.</summary>
    public const int MaxRecipients = 10_000;

    /// <summary>One message's content, as canonical JSON (the spec's event size bound).</summary>
    public const int MaxContentBytes = 65_536;

    public const string AllDevices = "*";

    /// <summary>A local client's PUT /sendToDevice. Returns false when the transaction was already carried out.</summary>
    public async Task<bool> SendAsync(ToDeviceTxn txn, string eventType, JsonObject messages, CancellationToken cancellationToken)
    {
        if (await db.ToDeviceTransactions.AnyAsync(t => t.UserId == txn.UserId && t.DeviceId == txn.DeviceId && t.TxnId == txn.TxnId, cancellationToken)) return false;
        var local = new JsonObject();
        var remote = new Dictionary<string, JsonObject>(StringComparer.Ordinal);
        foreach (var (userId, devices) in messages)
        {
            if (!UserIds.TryParse(userId, out _, out var server)) throw MatrixException.InvalidParam($"{userId} is not a user ID");
            if (devices is not JsonObject byDevice) throw MatrixException.BadJson("messages maps user IDs to {device ID: content}");
            foreach (var (_, content) in byDevice) CheckContent(content);
            if (server == options.ServerName) local[userId] = byDevice.DeepClone();
            else remote[userId] = (JsonObject)byDevice.DeepClone();
        }

        if (!await DeliverLocalAsync(txn.UserId, eventType, local, txn, cancellationToken)) return false;
        if (remote.Count > 0)
        {
            var messageId = UnpaddedBase64.EncodeUrlSafe(System.Security.Cryptography.RandomNumberGenerator.GetBytes(12));
            await publisher.Publish(new RemoteToDeviceMessagesSent(txn.UserId, eventType, messageId, remote), cancellationToken);
        }

        return true;
    }

    /// <summary>
    /// Stores messages for local users ({user ID: {device ID or "*": content}}) in one transaction,
    /// recording <paramref name="txn"/> with them when given. False when that transaction was already stored.
    /// </summary>
    public async Task<bool> DeliverLocalAsync(string sender, string eventType, JsonObject messages, ToDeviceTxn? txn, CancellationToken cancellationToken)
    {
        var userIds = messages.Select(m => m.Key).ToList();
        var devicesByUser = (await db.Devices.AsNoTracking().Where(d => userIds.Contains(d.UserId)).Select(d => new { d.UserId, d.DeviceId }).ToListAsync(cancellationToken))
            .ToLookup(d => d.UserId, d => d.DeviceId);
        var recipients = new List<(string UserId, string DeviceId, string Json)>();
        foreach (var (userId, devices) in messages)
        {
            foreach (var (deviceId, content) in devices!.AsObject())
            {
                var json = new JsonObject { ["sender"] = sender, ["type"] = eventType, ["content"] = content!.DeepClone() }.ToJsonString();
                var targets = deviceId == AllDevices ? devicesByUser[userId] : devicesByUser[userId].Where(d => d == deviceId);
                recipients.AddRange(targets.Select(d => (userId, d, json)));
                if (recipients.Count > MaxRecipients) throw MatrixException.TooLarge($"At most {MaxRecipients} recipient devices per send");
            }
        }

        using (var position = streams.Next())
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            if (txn is not null) db.ToDeviceTransactions.Add(new ToDeviceTransaction { UserId = txn.UserId, DeviceId = txn.DeviceId, TxnId = txn.TxnId, CreatedTs = clock.GetUtcNow().ToUnixTimeMilliseconds() });
            foreach (var (userId, deviceId, json) in recipients)
            {
                db.ToDeviceMessages.Add(new ToDeviceMessage { UserId = userId, DeviceId = deviceId, StreamPosition = position.Position, Json = json });
                changes.ToDevice.Mark(userId, position.Position);
            }

            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
            }
            catch (DbUpdateException) when (txn is not null)
            {
                // A concurrent retry of the same transaction committed first.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
                if (await db.ToDeviceTransactions.AnyAsync(t => t.UserId == txn.UserId && t.DeviceId == txn.DeviceId && t.TxnId == txn.TxnId, cancellationToken)) return false;
                throw;
            }
        }

        var woken = recipients.Select(r => r.UserId).Distinct(StringComparer.Ordinal).ToList();
        notifier.NotifyUsers(woken);
        if (woken.Count > 0) await publisher.Publish(new ToDeviceMessagesArrived(woken), cancellationToken);
        return true;
    }

    private static void CheckContent(JsonNode? content)
    {
        if (content is not JsonObject obj) throw MatrixException.BadJson("Each message's content must be an object");
        if (Encoding.UTF8.GetByteCount(obj.ToJsonString()) > MaxContentBytes) throw MatrixException.TooLarge($"A message's content is limited to {MaxContentBytes} bytes");
    }
}
