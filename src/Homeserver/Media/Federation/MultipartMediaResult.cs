using System.Security.Cryptography;
using System.Text;
using Matrix.Homeserver.Media.Downloads;

namespace Matrix.Homeserver.Media.Federation;

/// <summary>
/// The federation media answer (spec: server-server "Content Repository"): multipart/mixed with two
/// parts, the media's metadata as JSON (currently always {}) and then the bytes with their own
/// Content-Type and Content-Disposition.
/// </summary>
public sealed class MultipartMediaResult(MediaContent content, bool forceInline) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var boundary = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var inline = forceInline || ContentDisposition.IsInlineSafe(content.ContentType);
        var head = Encoding.ASCII.GetBytes(
            $"--{boundary}\r\nContent-Type: application/json\r\n\r\n{{}}\r\n" +
            $"--{boundary}\r\nContent-Type: {content.ContentType}\r\nContent-Disposition: {ContentDisposition.Build(inline, content.FileName)}\r\n\r\n");
        var tail = Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n");

        var response = httpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = $"multipart/mixed; boundary={boundary}";
        response.ContentLength = head.Length + content.Length + tail.Length;
        var abort = httpContext.RequestAborted;
        await response.Body.WriteAsync(head, abort);
        await response.SendFileAsync(content.Path, 0, content.Length, abort);
        await response.Body.WriteAsync(tail, abort);
    }
}
