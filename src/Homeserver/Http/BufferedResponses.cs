using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;

namespace Matrix.Homeserver.Http;

/// <summary>
/// Sends a response body of up to <see cref="MaxBuffered"/> bytes with a <c>Content-Length</c>, in one write, as soon
/// as the endpoint has written it, as Synapse sends its JSON. Kestrel otherwise sends a body without a length in chunks:
/// <c>Results.Json</c>'s serializer flushed the body when it ended, and Kestrel wrote the last chunk
/// (<c>0\r\n\r\n</c>) when the request ended, after the middleware (the access log line among them). That was two
/// socket writes per answer, and two reads for the client.
/// </summary>
/// <remarks>
/// The body written through the response's <see cref="PipeWriter"/> is kept in a pooled buffer. A body that grows
/// past <see cref="MaxBuffered"/>, or a response that uses the body's stream, sends a file or starts itself (file
/// downloads), goes out as before, unbuffered. Runs inside the error handling: when the endpoint throws, what it wrote
/// is dropped, and the error handler writes its error into a response that has not started (it was cut off before).
/// </remarks>
internal static class BufferedResponses
{
    /// <summary>The largest body kept back; a bigger one is streamed as it is written (Kestrel buffers 64 KiB too).</summary>
    public const int MaxBuffered = 64 * 1024;

    public static IApplicationBuilder UseBufferedResponses(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Features.Get<IHttpResponseBodyFeature>() is not { } inner)
            {
                await next(context);
                return;
            }

            var body = new BufferedBody(inner);
            context.Features.Set<IHttpResponseBodyFeature>(body);
            try
            {
                await next(context);
            }
            catch
            {
                body.Unbuffer(send: false);
                throw;
            }

            body.Send(context.Response);
            // Not started: no body, which the status code pages may still write (an unknown endpoint's 404).
            if (context.Response.HasStarted) await context.Response.CompleteAsync();
        });

    private sealed class BufferedBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
    {
        private readonly BufferedWriter _writer = new(inner.Writer);

        public Stream Stream
        {
            get
            {
                _writer.Unbuffer(send: true);
                return inner.Stream;
            }
        }

        public PipeWriter Writer => _writer;

        /// <summary>With the length known: what was written goes out as the whole body.</summary>
        public void Send(HttpResponse response)
        {
            if (_writer.Buffered is { } length && length > 0 && response.ContentLength is null) response.ContentLength = length;
            _writer.Unbuffer(send: true);
        }

        public void Unbuffer(bool send) => _writer.Unbuffer(send);

        public void DisableBuffering()
        {
            _writer.Unbuffer(send: true);
            inner.DisableBuffering();
        }

        public Task StartAsync(CancellationToken cancellationToken = default)
        {
            _writer.Unbuffer(send: true);
            return inner.StartAsync(cancellationToken);
        }

        public Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
        {
            _writer.Unbuffer(send: true);
            return inner.SendFileAsync(path, offset, count, cancellationToken);
        }

        public Task CompleteAsync()
        {
            _writer.Unbuffer(send: true);
            return inner.CompleteAsync();
        }
    }

    /// <summary>Kestrel's writer behind a pooled buffer, until <see cref="Unbuffer"/> (or a body too big for it).</summary>
    private sealed class BufferedWriter(PipeWriter inner) : PipeWriter
    {
        private const int MinimumSpan = 512;
        private byte[]? _buffer;
        private int _length;
        private bool _unbuffered;

        /// <summary>The bytes kept back; null once the body goes straight to Kestrel.</summary>
        public int? Buffered => _unbuffered ? null : _length;

        /// <summary>From now on writes go to Kestrel; what was kept back is written first (or dropped: the endpoint failed).</summary>
        public void Unbuffer(bool send)
        {
            if (_unbuffered) return;
            _unbuffered = true;
            if (_buffer is null) return;
            if (send && _length > 0) inner.Write(_buffer.AsSpan(0, _length));
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
        }

        public override void Advance(int bytes)
        {
            if (_unbuffered) inner.Advance(bytes);
            else _length += bytes;
        }

        public override Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint) ? _buffer.AsMemory(_length) : inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint) ? _buffer.AsSpan(_length) : inner.GetSpan(sizeHint);

        /// <summary>Room for <paramref name="sizeHint"/> more bytes in the buffer; false when writes go to Kestrel.</summary>
        private bool Reserve(int sizeHint)
        {
            if (_unbuffered) return false;
            var needed = _length + Math.Max(sizeHint, MinimumSpan);
            if (_buffer is not null && needed <= _buffer.Length) return true;
            if (_length + Math.Max(sizeHint, 1) > MaxBuffered)
            {
                Unbuffer(send: true);
                return false;
            }

            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(Math.Max(needed, (_buffer?.Length ?? 2048) * 2), MaxBuffered + MinimumSpan));
            if (_buffer is not null)
            {
                _buffer.AsSpan(0, _length).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_buffer);
            }

            _buffer = grown;
            return true;
        }

        /// <summary>Kept back while buffering: the body is sent whole when the endpoint is done.</summary>
        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) =>
            _unbuffered ? inner.FlushAsync(cancellationToken) : new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null)
        {
            Unbuffer(send: exception is null);
            inner.Complete(exception);
        }

        public override ValueTask CompleteAsync(Exception? exception = null)
        {
            Unbuffer(send: exception is null);
            return inner.CompleteAsync(exception);
        }

        public override bool CanGetUnflushedBytes => !_unbuffered || inner.CanGetUnflushedBytes;
        public override long UnflushedBytes => _unbuffered ? inner.UnflushedBytes : _length;
    }
}
