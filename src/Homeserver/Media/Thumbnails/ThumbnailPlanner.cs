namespace Matrix.Homeserver.Media.Thumbnails;

public enum ThumbnailMethod
{
    Crop,
    Scale,
}

/// <summary>A thumbnail size the server generates and caches (a bounding box and how to fill it).</summary>
public readonly record struct ThumbnailSize(int Width, int Height, ThumbnailMethod Method)
{
    /// <summary>The sizes the spec recommends (and Synapse generates by default).</summary>
    public static readonly IReadOnlyList<ThumbnailSize> Defaults =
    [
        new(32, 32, ThumbnailMethod.Crop),
        new(96, 96, ThumbnailMethod.Crop),
        new(320, 240, ThumbnailMethod.Scale),
        new(640, 480, ThumbnailMethod.Scale),
        new(800, 600, ThumbnailMethod.Scale),
    ];
}

/// <summary>What to generate: the size it is cached under, the region of the source to take, the output size.</summary>
/// <param name="CropX">Left edge of the source region, in source pixels (after EXIF orientation).</param>
public sealed record ThumbnailPlan(ThumbnailSize Size, double CropX, double CropY, double CropWidth, double CropHeight, int Width, int Height);

/// <summary>
/// Picks which cached size answers a request, so the server only ever generates a fixed set of sizes.
/// Rules (spec "Thumbnails"): never upscale; never return less than requested unless the source itself
/// is smaller. A crop answer must cover the requested width and height; a scale answer must reach one of
/// them (it fits inside the box). Among acceptable sizes the smallest output wins, preferring the
/// requested method. When no size qualifies, or the best one would just reproduce the source, the
/// answer is null: serve the original.
/// </summary>
public static class ThumbnailPlanner
{
    public static ThumbnailPlan? Plan(int sourceWidth, int sourceHeight, int width, int height, ThumbnailMethod method, IReadOnlyList<ThumbnailSize> sizes)
    {
        ThumbnailPlan? best = null;
        var bestRank = (Other: true, Area: long.MaxValue);
        foreach (var size in sizes)
        {
            var plan = Layout(sourceWidth, sourceHeight, size);
            var keepsSource = plan.Width == sourceWidth && plan.Height == sourceHeight;
            var covers = method == ThumbnailMethod.Crop
                ? plan.Width >= width && plan.Height >= height
                : plan.Width >= width || plan.Height >= height;
            if (!covers && !keepsSource) continue;
            var rank = (Other: size.Method != method, Area: (long)plan.Width * plan.Height);
            if (rank.CompareTo(bestRank) < 0)
            {
                best = plan;
                bestRank = rank;
            }
        }

        return best is null || (best.Width == sourceWidth && best.Height == sourceHeight) ? null : best;
    }

    /// <summary>The thumbnail one size makes of a source, without upscaling.</summary>
    public static ThumbnailPlan Layout(int sourceWidth, int sourceHeight, ThumbnailSize size)
    {
        if (size.Method == ThumbnailMethod.Scale)
        {
            if (sourceWidth <= size.Width && sourceHeight <= size.Height) return Whole(sourceWidth, sourceHeight, size);
            var factor = Math.Min((double)size.Width / sourceWidth, (double)size.Height / sourceHeight);
            return new ThumbnailPlan(size, 0, 0, sourceWidth, sourceHeight,
                Math.Max(1, (int)Math.Round(sourceWidth * factor)), Math.Max(1, (int)Math.Round(sourceHeight * factor)));
        }

        // Crop: take the centred region with the box's aspect ratio, then shrink it to the box when the
        // source is large enough; a smaller source keeps its pixels (no upscaling).
        var aspect = (double)size.Width / size.Height;
        var regionWidth = Math.Min(sourceWidth, sourceHeight * aspect);
        var regionHeight = Math.Min(sourceHeight, sourceWidth / aspect);
        var fits = sourceWidth >= size.Width && sourceHeight >= size.Height;
        var outWidth = fits ? size.Width : Math.Max(1, (int)Math.Round(regionWidth));
        var outHeight = fits ? size.Height : Math.Max(1, (int)Math.Round(regionHeight));
        return new ThumbnailPlan(size, (sourceWidth - regionWidth) / 2, (sourceHeight - regionHeight) / 2, regionWidth, regionHeight, outWidth, outHeight);
    }

    /// <summary>A plan that re-encodes the whole source at its own size (a still frame of an animation).</summary>
    public static ThumbnailPlan Whole(int sourceWidth, int sourceHeight, ThumbnailSize size) =>
        new(size, 0, 0, sourceWidth, sourceHeight, sourceWidth, sourceHeight);
}
