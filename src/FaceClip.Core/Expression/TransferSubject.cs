using System.Globalization;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Expression;

/// <summary>
/// The face whose expression is changed: its codes (from a reconstruction or a params.json), the camera and crop they
/// were fitted in, and optionally the photo (for compositing and the overlay) and the baked UV texture (for a
/// realistic render). Owns the photo and texture it holds.
/// </summary>
public sealed class TransferSubject : IDisposable
{
    public required FaceCodeLayout Layout { get; init; }

    /// <summary>The whole code vector [Layout.Total].</summary>
    public required float[] Codes { get; init; }

    public required PerspectiveCamera Camera { get; init; }

    public required FaceCrop Crop { get; init; }

    /// <summary>The photo the codes were fitted to, or null (renders then go over grey).</summary>
    public FaceImage? Photo { get; init; }

    /// <summary>The photo's file name (for reports), or empty.</summary>
    public string PhotoName { get; init; } = string.Empty;

    /// <summary>The baked UV texture (the display topology's UVs), or null (the model's albedo is used).</summary>
    public Image<Rgb24>? Texture { get; init; }

    public float[] Expression => Codes.AsSpan(Layout.ExpressionOffset, Layout.Expression).ToArray();

    /// <summary>A subject from a reconstruction (copies its texture; <paramref name="photo"/> is taken over).</summary>
    public static TransferSubject FromReconstruction(ReconstructionResult result, FaceImage? photo, string photoName = "")
    {
        ArgumentNullException.ThrowIfNull(result);
        return new TransferSubject
        {
            Layout = result.Layout,
            Codes = (float[])result.Codes.Clone(),
            Camera = result.Camera,
            Crop = result.Crop,
            Photo = photo,
            PhotoName = photoName,
            Texture = result.Texture.Clone(),
        };
    }

    /// <summary>
    /// A subject from a params.json written by <c>faceclip reconstruct</c>. The photo is <paramref name="photoPath"/>
    /// when given, else the file params.json names if it lies in <paramref name="photoFolder"/> (default: beside
    /// params.json); the texture is texture.png beside it when present. Expression weights are read by name in the
    /// model's order (<paramref name="expressionNames"/>).
    /// </summary>
    public static TransferSubject FromParamsJson(string paramsPath, IReadOnlyList<string> expressionNames, FaceCodeLayout layout, string? photoPath = null,
        string? photoFolder = null)
    {
        ArgumentNullException.ThrowIfNull(expressionNames);
        var folder = Path.GetDirectoryName(Path.GetFullPath(paramsPath))!;
        var parameters = FitParameters.Read(paramsPath);
        var codes = parameters.ToCodes(layout, expressionNames);
        var camera = parameters.ToCamera();
        var crop = parameters.ToCrop();

        var recorded = parameters.Photo?.File;
        var lookIn = photoFolder ?? folder;
        var photoFile = photoPath ?? (recorded is { Length: > 0 } && File.Exists(Path.Combine(lookIn, recorded)) ? Path.Combine(lookIn, recorded) : null);
        if (photoPath is not null && !File.Exists(photoPath))
        {
            throw new FileNotFoundException($"Cannot read the photo '{photoPath}': no such file.", photoPath);
        }

        var texturePath = Path.Combine(folder, ReconstructionWriter.TextureFile);
        var photo = photoFile is null ? null : FaceImage.Load(photoFile);
        if (photo is not null && parameters.Photo is { Width: { } w, Height: { } h } && (w != photo.Width || h != photo.Height))
        {
            var size = string.Create(CultureInfo.InvariantCulture, $"{photo.Width}x{photo.Height}");
            photo.Dispose();
            throw new InvalidDataException($"The photo '{photoFile}' is {size}, but params.json was fitted to a {w}x{h} photo.");
        }

        return new TransferSubject
        {
            Layout = layout,
            Codes = codes,
            Camera = camera,
            Crop = crop,
            Photo = photo,
            PhotoName = photoFile is null ? recorded ?? string.Empty : Path.GetFileName(photoFile),
            Texture = File.Exists(texturePath) ? Image.Load<Rgb24>(texturePath) : null,
        };
    }

    public void Dispose()
    {
        Photo?.Dispose();
        Texture?.Dispose();
    }
}
