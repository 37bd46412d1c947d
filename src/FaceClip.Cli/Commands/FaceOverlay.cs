using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Cli.Commands;

/// <summary>Draws boxes and landmarks over the decoded photo and writes a PNG (no font dependency: expressions go to the console).</summary>
internal static class FaceOverlay
{
    private static readonly Rgb24 BoxColour = new(0, 220, 255);
    private static readonly Rgb24 PointColour = new(255, 60, 60);
    private static readonly Rgb24 DenseColour = new(60, 255, 90);
    private static readonly Rgb24 IrisColour = new(255, 230, 0);

    /// <summary>The boxes and 68 landmarks, and when given each face's dense points (green, one pixel) and iris points
    /// (yellow).</summary>
    public static void Write(FaceImage image, FaceAnalysis analysis, string path, IReadOnlyList<DenseFace>? dense = null)
    {
        using var canvas = Image.LoadPixelData<Rgb24>(image.Rgb, image.Width, image.Height);
        var thickness = Math.Max(2, Math.Max(image.Width, image.Height) / 500);
        foreach (var face in analysis.Faces)
        {
            var b = face.Box;
            var x0 = (int)Math.Round(b.X);
            var y0 = (int)Math.Round(b.Y);
            var x1 = (int)Math.Round(b.Right);
            var y1 = (int)Math.Round(b.Bottom);
            Fill(canvas, x0, y0, x1, y0 + thickness, BoxColour);
            Fill(canvas, x0, y1 - thickness, x1, y1, BoxColour);
            Fill(canvas, x0, y0, x0 + thickness, y1, BoxColour);
            Fill(canvas, x1 - thickness, y0, x1, y1, BoxColour);
            foreach (var (px, py) in face.Landmarks)
            {
                var cx = (int)Math.Round(px);
                var cy = (int)Math.Round(py);
                Fill(canvas, cx - thickness, cy - thickness, cx + thickness, cy + thickness, PointColour);
            }
        }

        foreach (var face in dense ?? [])
        {
            var dot = Math.Max(1, thickness / 2);
            foreach (var (px, py, _) in face.Points)
            {
                var (cx, cy) = ((int)Math.Floor(px), (int)Math.Floor(py));
                Fill(canvas, cx, cy, cx + dot, cy + dot, DenseColour);
            }

            foreach (var (px, py) in face.Irises.SelectMany(i => i))
            {
                var (cx, cy) = ((int)Math.Floor(px), (int)Math.Floor(py));
                Fill(canvas, cx - dot, cy - dot, cx + dot + 1, cy + dot + 1, IrisColour);
            }
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        canvas.SaveAsPng(path);
    }

    private static void Fill(Image<Rgb24> canvas, int x0, int y0, int x1, int y1, Rgb24 colour)
    {
        x0 = Math.Clamp(x0, 0, canvas.Width);
        x1 = Math.Clamp(x1, 0, canvas.Width);
        y0 = Math.Clamp(y0, 0, canvas.Height);
        y1 = Math.Clamp(y1, 0, canvas.Height);
        for (var y = y0; y < y1; y++)
        {
            for (var x = x0; x < x1; x++)
            {
                canvas[x, y] = colour;
            }
        }
    }
}
