using System.Globalization;
using FluentValidation;
using Matrix.Homeserver.Http;

namespace Matrix.Homeserver.Media.Preview;

/// <summary>Query parameters of preview_url, as sent.</summary>
public sealed record PreviewParameters(string? Url, string? Ts);

public sealed class PreviewParametersValidator : AbstractValidator<PreviewParameters>
{
    public PreviewParametersValidator()
    {
        RuleFor(p => p.Url).NotEmpty().WithErrorCode(ErrorCodes.MissingParam).WithMessage("Missing url");
        RuleFor(p => p.Ts)
            .Must(ts => ts is null || long.TryParse(ts, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .WithErrorCode(ErrorCodes.InvalidParam).WithMessage("ts must be a timestamp in milliseconds");
    }
}
