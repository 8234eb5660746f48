using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Media.Uploads;

/// <summary>A file name is echoed in Content-Disposition later: bounded, and free of control characters.</summary>
public sealed class UploadMetadataValidator : AbstractValidator<UploadMetadata>
{
    public const int MaxFileNameLength = 255;

    public UploadMetadataValidator()
    {
        RuleFor(m => m.FileName)
            .Must(name => name is null || (name.Length <= MaxFileNameLength && !name.Any(char.IsControl)))
            .WithErrorCode(ErrorCodes.InvalidParam)
            .WithMessage($"filename must be at most {MaxFileNameLength} characters without control characters");
    }
}
