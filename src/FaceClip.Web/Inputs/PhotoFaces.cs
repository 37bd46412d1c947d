using FaceClip.Core.Vision;
using FaceClip.Web.Jobs;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceClip.Web.Inputs;

/// <summary>One detected face on the studio's photo: its index (the API's <c>face</c>), its box as fractions of the
/// photo (so it is drawn over the photo at any size), and a crop of it.</summary>
public sealed record FaceOnPhoto(int Index, double Left, double Top, double Width, double Height, string CropDataUrl);

/// <summary>The faces of an uploaded photo as the studio draws them: a preview of the photo, each face's box on it, and
/// the face a job takes when none is picked (<see cref="FaceChoice.Largest"/>).</summary>
public sealed record PhotoFaces(string PreviewDataUrl, int Width, int Height, IReadOnlyList<FaceOnPhoto> Faces, int? DefaultIndex)
{
    /// <summary>False when faces were not looked for here (a web node of a cluster loads no models): the job's worker
    /// finds them and fits the largest.</summary>
    public bool Detected { get; init; } = true;

    /// <summary>The photo's preview alone, for a node that does not detect faces.</summary>
    public static PhotoFaces Undetected(byte[] photo, long maxPixels)
    {
        using var image = FaceImage.Decode(photo, "upload", maxPixels);
        using var rgb = Image.LoadPixelData<Rgb24>(image.Rgb, image.Width, image.Height);
        return new PhotoFaces(Preview(rgb), image.Width, image.Height, [], null) { Detected = false };
    }

    /// <summary>Longest side of the preview shown in the studio.</summary>
    public const int PreviewSide = 960;

    /// <summary>Side of a face's crop (the chosen face beside the photo, the job page, the jobs list).</summary>
    public const int CropSide = 192;

    public static PhotoFaces Find(byte[] photo, FacePipeline pipeline, long maxPixels)
    {
        using var image = FaceImage.Decode(photo, "upload", maxPixels);
        var analysis = pipeline.Analyse(image);
        using var rgb = Image.LoadPixelData<Rgb24>(image.Rgb, image.Width, image.Height);
        var faces = analysis.Faces.Select((face, i) => new FaceOnPhoto(i,
            face.Box.X / image.Width, face.Box.Y / image.Height, face.Box.Width / image.Width, face.Box.Height / image.Height,
            DataUrl(Crop(rgb, face.Box)))).ToList();
        return new PhotoFaces(Preview(rgb), image.Width, image.Height, faces, FaceChoice.Largest(analysis.Faces));
    }

    /// <summary>A square crop around a face box with a margin, <see cref="CropSide"/> pixels on a side.</summary>
    public static Image<Rgb24> Crop(Image<Rgb24> photo, FaceBox box)
    {
        var side = Math.Max(box.Width, box.Height) * 1.4;
        var cx = box.X + (box.Width / 2);
        var cy = box.Y + (box.Height / 2);
        var x = (int)Math.Round(Math.Clamp(cx - (side / 2), 0, Math.Max(0, photo.Width - 1)));
        var y = (int)Math.Round(Math.Clamp(cy - (side / 2), 0, Math.Max(0, photo.Height - 1)));
        var w = Math.Max(1, Math.Min((int)Math.Round(side), photo.Width - x));
        var h = Math.Max(1, Math.Min((int)Math.Round(side), photo.Height - y));
        return photo.Clone(c => c.Crop(new Rectangle(x, y, w, h)).Resize(new ResizeOptions { Size = new Size(CropSide, CropSide), Mode = ResizeMode.Pad, PadColor = Color.FromRgb(30, 30, 36) }));
    }

    /// <summary>The photo scaled down to at most <see cref="PreviewSide"/> on its longer side, as a data URL.</summary>
    private static string Preview(Image<Rgb24> photo)
    {
        var scale = Math.Min(1.0, PreviewSide / (double)Math.Max(photo.Width, photo.Height));
        using var preview = photo.Clone(x => x.Resize((int)Math.Round(photo.Width * scale), (int)Math.Round(photo.Height * scale)));
        return DataUrl(preview);
    }

    private static string DataUrl(Image<Rgb24> image) => image.ToBase64String(JpegFormat.Instance);
}
