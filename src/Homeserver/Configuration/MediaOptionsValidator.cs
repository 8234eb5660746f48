using FluentValidation;

namespace Matrix.Homeserver.Configuration;

/// <summary>Start-up checks of Homeserver:Media:*.</summary>
public sealed class MediaOptionsValidator : AbstractValidator<MediaOptions>
{
    public MediaOptionsValidator()
    {
        RuleFor(o => o.StorePath)
            .NotEmpty()
            .WithMessage("must name a directory");

        RuleFor(o => o.MaxUploadBytes)
            .GreaterThan(0)
            .WithMessage(o => $"{o.MaxUploadBytes} must be a positive number of bytes");

        RuleFor(o => o.MaxPendingUploadsPerUser)
            .GreaterThan(0)
            .WithMessage(o => $"{o.MaxPendingUploadsPerUser} must be a positive count");

        RuleFor(o => o.PendingUploadExpiryMinutes)
            .GreaterThan(0)
            .WithMessage(o => $"{o.PendingUploadExpiryMinutes} must be a positive number of minutes");

        RuleFor(o => o.MaxThumbnailPixels)
            .GreaterThan(0)
            .WithMessage(o => $"{o.MaxThumbnailPixels} must be a positive number of pixels");

        RuleFor(o => o.MaxThumbnailSourceBytes)
            .GreaterThan(0)
            .WithMessage(o => $"{o.MaxThumbnailSourceBytes} must be a positive number of bytes");

        RuleForEach(o => o.UrlPreview.AllowedNetworks)
            .Must(n => System.Net.IPNetwork.TryParse(n, out _))
            .WithMessage((_, n) => $"'{n}' is not a CIDR range such as 192.168.0.0/16");

        RuleFor(o => o.UrlPreview.MaxPageBytes)
            .GreaterThan(0)
            .WithMessage(o => $"{o.UrlPreview.MaxPageBytes} must be a positive number of bytes");

        RuleFor(o => o.UrlPreview.TimeoutSeconds)
            .InclusiveBetween(1, 300)
            .WithMessage(o => $"{o.UrlPreview.TimeoutSeconds} must be from 1 to 300 seconds");
    }
}
