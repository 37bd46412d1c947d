using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.Web.Jobs;

/// <summary>Checks an uploaded photo before anything is stored: size; format decided by content (JPEG, PNG, WebP);
/// the file whole (<see cref="ImageStructure"/>); the pixel count from the header, before any decoding; then a full
/// decode, a few at a time (<see cref="JobOptions.ConcurrentValidations"/>), so the memory validation takes is bounded
/// by the pixel limit times that count. A photo larger than <see cref="JobOptions.WorkingPixels"/> also yields the
/// scaled-down copy the worker reads.</summary>
public sealed class UploadValidator(IOptions<JobOptions> options)
{
    private static readonly Dictionary<string, string> Extensions = new(StringComparer.OrdinalIgnoreCase)
    {
        ["JPEG"] = ".jpg",
        ["PNG"] = ".png",
        ["WEBP"] = ".webp",
    };

    private readonly SemaphoreSlim _decoding = new(Math.Max(1, options.Value.ConcurrentValidations));

    /// <summary>Decodes with an allocator that pools little: a photo's pixels are released when its check ends, not
    /// kept for a next upload of the same size.</summary>
    private static readonly Configuration Decoding = CreateDecodingConfiguration();

    /// <summary>What the check found: the file extension of the detected format and, for a photo over the working
    /// size, a JPEG of it scaled down; or a reason to refuse the upload.</summary>
    public sealed record Result(string? Extension, string? Problem, byte[]? WorkingCopy = null);

    /// <summary>Returns the file extension for the detected format, or a reason to refuse the upload.</summary>
    public async Task<(string? Extension, string? Problem)> ValidateAsync(Stream content, long length, CancellationToken cancellationToken)
    {
        var result = await CheckAsync(content, length, cancellationToken);
        return (result.Extension, result.Problem);
    }

    public async Task<Result> CheckAsync(Stream content, long length, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (length == 0)
        {
            return new(null, "The uploaded file is empty.");
        }

        if (length > limits.MaxUploadBytes)
        {
            return new(null, $"The uploaded file is {length:N0} bytes; the limit is {limits.MaxUploadBytes:N0}.");
        }

        content.Position = 0;
        if (Image.DetectFormat(content) is { } detected && Extensions.ContainsKey(detected.Name)
            && StructureProblem(content, detected.Name.ToUpperInvariant()) is { } broken)
        {
            return new(null, $"The image is damaged: {broken}.");
        }

        IImageFormat? format;
        IImageInfo? info;
        try
        {
            content.Position = 0;
            (info, format) = await Image.IdentifyWithFormatAsync(content, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidImageContentException or UnknownImageFormatException or NotSupportedException or ImageFormatException)
        {
            return new(null, $"The file is not a readable image: {ex.Message}");
        }

        if (info is null || format is null || !Extensions.TryGetValue(format.Name, out var extension))
        {
            return new(null, $"The file is not a JPEG, PNG or WebP image{(format is null ? string.Empty : $" (it is {format.Name})")}: upload a photo in one of those formats.");
        }

        var pixels = (long)info.Width * info.Height;
        if (pixels > limits.MaxImagePixels)
        {
            return new(null, $"The image is {info.Width}x{info.Height} ({pixels:N0} pixels); the limit is {limits.MaxImagePixels:N0} pixels.");
        }

        await _decoding.WaitAsync(cancellationToken);
        try
        {
            content.Position = 0;
            using var image = await Image.LoadAsync<Rgb24>(Decoding, content, cancellationToken);
            content.Position = 0;
            return new(extension, null, pixels > limits.WorkingPixels ? WorkingCopy(image, limits.WorkingPixels) : null);
        }
        catch (Exception ex) when (ex is InvalidImageContentException or UnknownImageFormatException or ImageFormatException)
        {
            return new(null, $"The image could not be decoded (truncated or corrupt): {ex.Message}");
        }
        finally
        {
            _decoding.Release();
        }
    }

    private static Configuration CreateDecodingConfiguration()
    {
        var configuration = Configuration.Default.Clone();
        configuration.MemoryAllocator = SixLabors.ImageSharp.Memory.MemoryAllocator.Create(new SixLabors.ImageSharp.Memory.MemoryAllocatorOptions { MaximumPoolSizeMegabytes = 16 });
        return configuration;
    }

    private static string? StructureProblem(Stream content, string format)
    {
        if (content is MemoryStream memory && memory.TryGetBuffer(out var buffer))
        {
            return ImageStructure.Problem(buffer.AsSpan(0, (int)memory.Length), format);
        }

        content.Position = 0;
        using var copy = new MemoryStream();
        content.CopyTo(copy);
        return ImageStructure.Problem(copy.GetBuffer().AsSpan(0, (int)copy.Length), format);
    }

    private static byte[] WorkingCopy(Image<Rgb24> image, long workingPixels)
    {
        var scale = Math.Sqrt(workingPixels / ((double)image.Width * image.Height));
        image.Mutate(x => x.Resize(Math.Max(1, (int)(image.Width * scale)), Math.Max(1, (int)(image.Height * scale)), KnownResamplers.Lanczos3));
        using var output = new MemoryStream();
        image.SaveAsJpeg(output, new JpegEncoder { Quality = 95 });
        return output.ToArray();
    }
}
