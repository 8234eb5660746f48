using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Media;

/// <summary>Guests may read media but not store any (as in Synapse: uploads and previews need a full account).</summary>
internal static class GuestAccess
{
    public static void RefuseGuest(Requester requester)
    {
        if (requester.IsGuest) throw new MatrixException(403, ErrorCodes.GuestAccessForbidden, "Guests cannot store media");
    }
}
