using Matrix.Homeserver.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Matrix.Homeserver.Media.Uploads;

/// <summary>The request body of an upload, checked against the size limit before a byte is read.</summary>
public static class UploadBody
{
    public static Stream Open(HttpContext context, long maxBytes)
    {
        if (context.Request.ContentLength > maxBytes) throw TooLarge(maxBytes);
        // Kestrel's default body limit (30 MB) would cut uploads short with a different error;
        // MediaFiles.ReceiveAsync counts the bytes itself, so the media limit is the only one.
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>();
        if (limit is { IsReadOnly: false }) limit.MaxRequestBodySize = null;
        return context.Request.Body;
    }

    public static MatrixException TooLarge(long maxBytes) => MatrixException.TooLarge($"Cannot upload files larger than {maxBytes} bytes");
}
