using SkiaSharp;

namespace Matrix.Homeserver.Media.Thumbnails;

/// <summary>What the image header says, read without decoding any pixels.</summary>
/// <param name="Width">Displayed width (after EXIF orientation).</param>
public sealed record ImageHeader(int Width, int Height, SKEncodedImageFormat Format, bool Animated);

/// <summary>
/// Decodes and resizes images with Skia. The header is read first so that callers can refuse pixel
/// bombs before any decoding; JPEGs are decoded at a reduced scale when the thumbnail allows it.
/// </summary>
public static class ImageThumbnailer
{
    /// <summary>Reads the header; null when Skia cannot recognise the file as an image.</summary>
    public static ImageHeader? ReadHeader(string path)
    {
        using var codec = SKCodec.Create(path);
        if (codec is null) return null;
        var (width, height) = SwapsAxes(codec.EncodedOrigin)
            ? (codec.Info.Height, codec.Info.Width)
            : (codec.Info.Width, codec.Info.Height);
        return new ImageHeader(width, height, codec.EncodedFormat, codec.FrameCount > 1);
    }

    /// <summary>Renders the plan's region of the first frame into a PNG or JPEG written to <paramref name="output"/>.</summary>
    /// <returns>False when the image cannot be decoded.</returns>
    public static bool Render(string sourcePath, ImageHeader header, ThumbnailPlan plan, SKEncodedImageFormat format, Stream output)
    {
        using var codec = SKCodec.Create(sourcePath);
        if (codec is null) return false;
        using var decoded = Decode(codec, (double)plan.Width / plan.CropWidth);
        if (decoded is null) return false;
        var oriented = Orient(decoded, codec.EncodedOrigin);
        try
        {
            return Draw(oriented, header, plan, format, output);
        }
        finally
        {
            if (!ReferenceEquals(oriented, decoded)) oriented.Dispose();
        }
    }

    private static bool Draw(SKBitmap oriented, ImageHeader header, ThumbnailPlan plan, SKEncodedImageFormat format, Stream output)
    {

        // The decoded bitmap may be smaller than the header says (scaled JPEG decoding).
        var scale = (double)oriented.Width / header.Width;
        var source = SKRect.Create((float)(plan.CropX * scale), (float)(plan.CropY * scale), (float)(plan.CropWidth * scale), (float)(plan.CropHeight * scale));
        var info = new SKImageInfo(plan.Width, plan.Height, SKColorType.Rgba8888, format == SKEncodedImageFormat.Jpeg ? SKAlphaType.Opaque : SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        if (surface is null) return false;
        surface.Canvas.Clear(format == SKEncodedImageFormat.Jpeg ? SKColors.White : SKColors.Transparent);
        using (var image = SKImage.FromBitmap(oriented))
        {
            surface.Canvas.DrawImage(image, source, SKRect.Create(plan.Width, plan.Height), new SKSamplingOptions(SKFilterMode.Linear, SKMipmapMode.Linear));
        }

        using var snapshot = surface.Snapshot();
        using var data = snapshot.Encode(format, format == SKEncodedImageFormat.Jpeg ? 85 : 100);
        if (data is null) return false;
        data.SaveTo(output);
        return true;
    }

    /// <summary>Decodes the first frame, at the smallest scale the codec supports that keeps <paramref name="needed"/> of the resolution.</summary>
    private static SKBitmap? Decode(SKCodec codec, double needed)
    {
        var full = codec.Info;
        // Codecs scale natively in steps (JPEG: eighths) and round a requested scale to the nearest
        // step, possibly below it: try the eighths upwards and take the first that keeps enough pixels.
        var size = full.Size;
        for (var eighths = (int)Math.Ceiling(Math.Min(1, needed) * 8); eighths < 8; eighths++)
        {
            var scaled = codec.GetScaledDimensions(eighths / 8f);
            if (scaled.Width >= full.Width * needed && scaled.Height >= full.Height * needed)
            {
                size = scaled;
                break;
            }
        }
        var info = new SKImageInfo(size.Width, size.Height, SKColorType.Rgba8888, SKAlphaType.Premul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is SKCodecResult.Success or SKCodecResult.IncompleteInput) return bitmap;
        bitmap.Dispose();
        return null;
    }

    private static bool SwapsAxes(SKEncodedOrigin origin) =>
        origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;

    /// <summary>Applies the EXIF orientation so that thumbnails of phone photos stand upright (a new bitmap unless upright already).</summary>
    private static SKBitmap Orient(SKBitmap bitmap, SKEncodedOrigin origin)
    {
        if (origin == SKEncodedOrigin.TopLeft) return bitmap;
        float w = bitmap.Width, h = bitmap.Height;
        // Each matrix maps a raw pixel (x, y) to its displayed position.
        var matrix = origin switch
        {
            SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
            SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
            SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
            SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
            SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
            _ => SKMatrix.Identity,
        };
        var swap = SwapsAxes(origin);
        var result = new SKBitmap(swap ? bitmap.Height : bitmap.Width, swap ? bitmap.Width : bitmap.Height, bitmap.ColorType, bitmap.AlphaType);
        using var canvas = new SKCanvas(result);
        canvas.SetMatrix(matrix);
        using var image = SKImage.FromBitmap(bitmap);
        // Whole-pixel rotations and flips: nearest sampling copies pixels exactly.
        canvas.DrawImage(image, 0, 0, new SKSamplingOptions(SKFilterMode.Nearest));
        return result;
    }
}
