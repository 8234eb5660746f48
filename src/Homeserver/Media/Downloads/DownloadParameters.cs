using System.Globalization;
using FluentValidation;
using Matrix.Homeserver.Http;
using Matrix.Homeserver.Media.Thumbnails;
using Microsoft.AspNetCore.Mvc;

namespace Matrix.Homeserver.Media.Downloads;

/// <summary>Query parameters shared by every download and thumbnail path, as sent.</summary>
public sealed record DownloadParameters
{
    [FromQuery(Name = "allow_remote")]
    public string? AllowRemote { get; init; }

    [FromQuery(Name = "timeout_ms")]
    public string? TimeoutMs { get; init; }

    [FromQuery(Name = "allow_redirect")]
    public string? AllowRedirect { get; init; }

    /// <summary>The spec's default wait for a pending upload.</summary>
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);

    /// <summary>Longest wait granted, whatever timeout_ms asks (the spec says to impose one).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <remarks>allow_redirect is accepted and ignored: content is always served directly.</remarks>
    public MediaAccess ToAccess(bool legacy)
    {
        var wait = TimeoutMs is null ? DefaultWait : TimeSpan.FromMilliseconds(long.Parse(TimeoutMs, CultureInfo.InvariantCulture));
        return new MediaAccess(AllowRemote is null || bool.Parse(AllowRemote), wait > MaxWait ? MaxWait : wait, legacy);
    }
}

/// <summary>Query parameters of the thumbnail paths, as sent.</summary>
public sealed record ThumbnailParameters
{
    [FromQuery(Name = "width")]
    public string? Width { get; init; }

    [FromQuery(Name = "height")]
    public string? Height { get; init; }

    [FromQuery(Name = "method")]
    public string? Method { get; init; }

    [FromQuery(Name = "animated")]
    public string? Animated { get; init; }

    public ThumbnailRequest ToRequest() => new(
        int.Parse(Width!, CultureInfo.InvariantCulture),
        int.Parse(Height!, CultureInfo.InvariantCulture),
        Method is "crop" ? ThumbnailMethod.Crop : ThumbnailMethod.Scale,
        Animated is null ? null : bool.Parse(Animated));
}

public sealed class DownloadParametersValidator : AbstractValidator<DownloadParameters>
{
    public DownloadParametersValidator()
    {
        RuleFor(p => p.AllowRemote).Must(QueryValues.IsBooleanOrAbsent).WithErrorCode(ErrorCodes.InvalidParam).WithMessage("allow_remote must be true or false");
        RuleFor(p => p.AllowRedirect).Must(QueryValues.IsBooleanOrAbsent).WithErrorCode(ErrorCodes.InvalidParam).WithMessage("allow_redirect must be true or false");
        RuleFor(p => p.TimeoutMs)
            .Must(v => v is null || (long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms <= int.MaxValue))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("timeout_ms must be a non-negative integer");
    }
}

public sealed class ThumbnailParametersValidator : AbstractValidator<ThumbnailParameters>
{
    /// <summary>Larger requests are meaningless for a thumbnail and are refused before any work.</summary>
    public const int MaxDimension = 10_000;

    public ThumbnailParametersValidator()
    {
        RuleFor(p => p.Width).Cascade(CascadeMode.Stop).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing width")
            .Must(IsDimension).WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"width must be an integer from 1 to {MaxDimension}");
        RuleFor(p => p.Height).Cascade(CascadeMode.Stop).NotNull().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing height")
            .Must(IsDimension).WithErrorCode(ErrorCodes.InvalidParam).WithMessage($"height must be an integer from 1 to {MaxDimension}");
        RuleFor(p => p.Method).Must(m => m is null or "crop" or "scale")
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("method must be crop or scale");
        RuleFor(p => p.Animated).Must(QueryValues.IsBooleanOrAbsent)
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("animated must be true or false");
    }

    private static bool IsDimension(string? value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= MaxDimension;
}

internal static class QueryValues
{
    public static bool IsBooleanOrAbsent(string? value) => value is null or "true" or "false";
}
