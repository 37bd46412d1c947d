using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Web.Jobs;

/// <summary>Checks an uploaded photo before anything is stored: size, format decided by content (JPEG, PNG, WebP),
/// pixel count read from the header, then a full decode so truncated or corrupt files are refused up front.</summary>
public sealed class UploadValidator(IOptions<JobOptions> options)
{
    private static readonly Dictionary<string, string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["JPEG"] = ".jpg",
        ["PNG"] = ".png",
        ["WEBP"] = ".webp",
    };

    /// <summary>Returns the file extension for the detected format, or a reason to refuse the upload.</summary>
    public async Task<(string? Extension, string? Problem)> ValidateAsync(Stream content, long length, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (length == 0)
        {
            return (null, "The uploaded file is empty.");
        }

        if (length > limits.MaxUploadBytes)
        {
            return (null, $"The uploaded file is {length:N0} bytes; the limit is {limits.MaxUploadBytes:N0}.");
        }

        IImageFormat? format;
        IImageInfo? info;
        try
        {
            content.Position = 0;
            (info, format) = await Image.IdentifyWithFormatAsync(content, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidImageContentException or UnknownImageFormatException or NotSupportedException)
        {
            return (null, $"The file is not a readable image: {ex.Message}");
        }

        if (info is null || format is null || !Extensions.TryGetValue(format.Name, out var extension))
        {
            return (null, $"Unsupported image format{(format is null ? string.Empty : $" ({format.Name})")}: upload a JPEG, PNG or WebP photo.");
        }

        var pixels = (long)info.Width * info.Height;
        if (pixels > limits.MaxImagePixels)
        {
            return (null, $"The image is {info.Width}x{info.Height} ({pixels:N0} pixels); the limit is {limits.MaxImagePixels:N0} pixels.");
        }

        try
        {
            content.Position = 0;
            var decoder = new DecoderConfiguration();
            using var image = await Image.LoadAsync<Rgb24>(decoder.Configuration, content, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidImageContentException or UnknownImageFormatException or ImageFormatException)
        {
            return (null, $"The image could not be decoded (truncated or corrupt): {ex.Message}");
        }

        content.Position = 0;
        return (extension, null);
    }

    private sealed class DecoderConfiguration
    {
        public Configuration Configuration { get; } = Configuration.Default.Clone();
    }
}
