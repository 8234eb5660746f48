using Matrix.Homeserver.Media.Thumbnails;

namespace Matrix.Homeserver.Tests.Media;

public sealed class ThumbnailPlannerTests
{
    private static readonly int[] Dimensions = [1, 16, 31, 32, 33, 50, 95, 96, 97, 150, 239, 240, 241, 320, 321, 480, 600, 640, 800, 801, 1000, 3000, 4000];

    public static TheoryData<ThumbnailMethod> Methods => new() { ThumbnailMethod.Crop, ThumbnailMethod.Scale };

    /// <summary>Over a grid of source and request sizes: never upscale, never answer smaller than asked.</summary>
    [Theory]
    [MemberData(nameof(Methods))]
    public void Plans_never_upscale_and_never_undershoot(ThumbnailMethod method)
    {
        foreach (var sw in Dimensions)
        foreach (var sh in Dimensions)
        foreach (var rw in Dimensions)
        foreach (var rh in Dimensions)
        {
            var plan = ThumbnailPlanner.Plan(sw, sh, rw, rh, method, ThumbnailSize.Defaults);
            if (plan is null) continue; // the original is served: always acceptable
            var context = $"source {sw}x{sh}, request {rw}x{rh} {method}: {plan}";
            Assert.True(plan.Width <= sw && plan.Height <= sh, "upscaled: " + context);
            Assert.True(plan.Width < sw || plan.Height < sh, "no smaller than the source: " + context);
            Assert.Contains(plan.Size, ThumbnailSize.Defaults);
            var covers = method == ThumbnailMethod.Crop
                ? plan.Width >= rw && plan.Height >= rh
                : plan.Width >= rw || plan.Height >= rh;
            Assert.True(covers, "smaller than requested: " + context);
            Assert.InRange(plan.CropX, 0, sw);
            Assert.InRange(plan.CropY, 0, sh);
            Assert.True(plan.CropX + plan.CropWidth <= sw + 1e-9 && plan.CropY + plan.CropHeight <= sh + 1e-9, "crop outside the source: " + context);
        }
    }

    [Theory]
    [InlineData(1000, 500, 96, 96, ThumbnailMethod.Crop, 96, 96)]
    [InlineData(1000, 500, 32, 32, ThumbnailMethod.Crop, 32, 32)]
    [InlineData(1600, 1200, 300, 200, ThumbnailMethod.Scale, 320, 240)]
    [InlineData(1600, 1200, 700, 500, ThumbnailMethod.Scale, 800, 600)]
    [InlineData(4000, 1000, 96, 96, ThumbnailMethod.Crop, 96, 96)]
    [InlineData(4000, 1000, 320, 240, ThumbnailMethod.Scale, 320, 80)]
    // A crop bigger than any crop size falls back to a scale size that still covers the request.
    [InlineData(2000, 2000, 200, 200, ThumbnailMethod.Crop, 240, 240)]
    public void Picks_the_smallest_size_that_covers_the_request(int sw, int sh, int rw, int rh, ThumbnailMethod method, int width, int height)
    {
        var plan = ThumbnailPlanner.Plan(sw, sh, rw, rh, method, ThumbnailSize.Defaults);
        Assert.NotNull(plan);
        Assert.Equal((width, height), (plan.Width, plan.Height));
    }

    [Theory]
    [InlineData(50, 40, 96, 96, ThumbnailMethod.Crop)]
    [InlineData(300, 200, 320, 240, ThumbnailMethod.Scale)]
    [InlineData(5000, 5000, 1000, 1000, ThumbnailMethod.Crop)]
    public void Serves_the_original_when_no_size_beats_it(int sw, int sh, int rw, int rh, ThumbnailMethod method)
    {
        Assert.Null(ThumbnailPlanner.Plan(sw, sh, rw, rh, method, ThumbnailSize.Defaults));
    }

    [Fact]
    public void Crop_takes_the_centred_region_with_the_box_aspect()
    {
        var plan = ThumbnailPlanner.Layout(1000, 500, new ThumbnailSize(96, 96, ThumbnailMethod.Crop));
        Assert.Equal((250d, 0d, 500d, 500d), (plan.CropX, plan.CropY, plan.CropWidth, plan.CropHeight));
    }
}
