using System.Text.Json.Nodes;
using Matrix.Homeserver.FederationApi.Edus;
using Matrix.Homeserver.FederationApi.KeysEdus;
using Matrix.Homeserver.Keys;

namespace Matrix.Homeserver.FederationApi.KeysDeviceLists;

/// <summary>Inbound m.signing_key_update: a user of the sending server changed their master or self-signing key.</summary>
public sealed class SigningKeyUpdateEduHandler(RemoteDeviceLists lists, ILogger<SigningKeyUpdateEduHandler> logger) : IEduHandler
{
    public string Type => SigningKeyUpdateSender.EduType;

    public async Task HandleAsync(string origin, JsonObject content, CancellationToken cancellationToken)
    {
        if (KeyJson.StringValue(content["user_id"]) is not { } userId || RoomServers.ServerOf(userId) != origin)
        {
            logger.LogWarning("Ignored a {EduType} from {Origin} that is not about one of its users", Type, origin);
            return;
        }

        await lists.ApplySigningKeysAsync(userId, content["master_key"], content["self_signing_key"], cancellationToken);
    }
}
