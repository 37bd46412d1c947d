using FaceClip.Core.Rendering;
using FaceClip.Core.Vision;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Evaluation;

/// <summary>
/// The landmark benchmark's contact sheet: one square tile per annotated face, the photo around the annotation
/// resampled to a fixed side, with the people's landmarks in <see cref="AnnotationColour"/> (green), the detector's in
/// <see cref="DetectorColour"/> (blue) and the fit's in <see cref="FitColour"/> (red), each as dots joined along the
/// iBUG contours. A face the detector did not find has a red frame; one found but refused by the fit an orange frame.
/// </summary>
public static class LandmarkSheet
{
    public static readonly Rgb24 AnnotationColour = new(40, 220, 60);
    public static readonly Rgb24 DetectorColour = new(40, 120, 255);
    public static readonly Rgb24 FitColour = new(240, 40, 40);
    public static readonly Rgb24 NotFoundFrame = new(220, 0, 0);
    public static readonly Rgb24 NotFittedFrame = new(255, 150, 0);

    /// <summary>The iBUG-68 contours (first and last index, closed or not): jaw, brows, nose ridge and base, eyes, lips.</summary>
    private static readonly (int From, int To, bool Closed)[] Contours =
    [
        (0, 16, false), (17, 21, false), (22, 26, false), (27, 30, false), (31, 35, false),
        (36, 41, true), (42, 47, true), (48, 59, true), (60, 67, true),
    ];

    /// <summary>Writes the sheet of <paramref name="results"/> (faces of <paramref name="set"/>) as a PNG.</summary>
    public static void Write(LandmarkSet set, IReadOnlyList<LandmarkFaceResult> results, string path, int tileSize = 192, int columns = 7)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(results);
        if (results.Count == 0)
        {
            throw new ArgumentException("A sheet of no faces is empty.", nameof(results));
        }

        var tiles = new List<Image<Rgb24>>();
        try
        {
            foreach (var group in results.GroupBy(r => r.Image))
            {
                using var image = TryLoad(Path.Combine(set.Folder, group.Key));
                tiles.AddRange(group.Select(r => Tile(image, r, tileSize)));
            }

            ImageFiles.SaveGrid(tiles, Math.Min(columns, tiles.Count), path);
        }
        finally
        {
            tiles.ForEach(t => t.Dispose());
        }
    }

    /// <summary>One face's tile: a square around the annotation (1.6 times its landmark box), the three landmark sets
    /// drawn over it. <paramref name="image"/> null draws the landmarks over grey.</summary>
    public static Image<Rgb24> Tile(FaceImage? image, LandmarkFaceResult result, int size)
    {
        ArgumentNullException.ThrowIfNull(result);
        var box = result.Annotation.LandmarkBox;
        var side = Math.Max(Math.Max(box.Width, box.Height) * 1.6, 8);
        var left = box.X + (box.Width / 2) - (side / 2);
        var top = box.Y + (box.Height / 2) - (side / 2);
        var scale = size / side;
        var tile = new Image<Rgb24>(size, size, new Rgb24(128, 128, 128));
        if (image is not null)
        {
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    // Pixel centres: output (x, y) covers photo point left + (x + 0.5) / scale - 0.5.
                    tile[x, y] = Sample(image, left + ((x + 0.5) / scale) - 0.5, top + ((y + 0.5) / scale) - 0.5);
                }
            }
        }

        (double X, double Y) ToTile((float X, float Y) p) => (((p.X - left + 0.5) * scale) - 0.5, ((p.Y - top + 0.5) * scale) - 0.5);
        Draw(tile, result.Annotation.Landmarks.Select(ToTile).ToArray(), AnnotationColour);
        if (result.DetectorLandmarks is { } detector)
        {
            Draw(tile, detector.Select(ToTile).ToArray(), DetectorColour);
        }

        if (result.FitLandmarks is { } fit)
        {
            Draw(tile, fit.Select(ToTile).ToArray(), FitColour);
        }

        if (!result.Found || result.Problem is not null)
        {
            Frame(tile, result.Found ? NotFittedFrame : NotFoundFrame, Math.Max(2, size / 48));
        }

        return tile;
    }

    private static FaceImage? TryLoad(string path)
    {
        try
        {
            return FaceImage.Load(path);
        }
        catch (FaceImageException)
        {
            return null;
        }
    }

    private static Rgb24 Sample(FaceImage image, double x, double y)
    {
        if (x < -0.5 || y < -0.5 || x > image.Width - 0.5 || y > image.Height - 0.5)
        {
            return new Rgb24(128, 128, 128);
        }

        var x0 = (int)Math.Floor(x);
        var y0 = (int)Math.Floor(y);
        var fx = x - x0;
        var fy = y - y0;
        var rgb = image.Rgb;
        int Clamp(int v, int n) => Math.Clamp(v, 0, n - 1);
        double At(int xx, int yy, int c) => rgb[(((Clamp(yy, image.Height) * image.Width) + Clamp(xx, image.Width)) * 3) + c];
        byte Channel(int c) => (byte)Math.Round(
            (At(x0, y0, c) * (1 - fx) * (1 - fy)) + (At(x0 + 1, y0, c) * fx * (1 - fy)) + (At(x0, y0 + 1, c) * (1 - fx) * fy) + (At(x0 + 1, y0 + 1, c) * fx * fy));
        return new Rgb24(Channel(0), Channel(1), Channel(2));
    }

    private static void Draw(Image<Rgb24> tile, (double X, double Y)[] points, Rgb24 colour)
    {
        if (points.Length != LandmarkSet.PointCount)
        {
            return;
        }

        foreach (var (from, to, closed) in Contours)
        {
            for (var i = from; i < to; i++)
            {
                Line(tile, points[i], points[i + 1], colour);
            }

            if (closed)
            {
                Line(tile, points[to], points[from], colour);
            }
        }

        foreach (var (x, y) in points)
        {
            for (var dy = -1; dy <= 1; dy++)
            {
                for (var dx = -1; dx <= 1; dx++)
                {
                    Put(tile, (int)Math.Round(x) + dx, (int)Math.Round(y) + dy, colour);
                }
            }
        }
    }

    private static void Line(Image<Rgb24> tile, (double X, double Y) a, (double X, double Y) b, Rgb24 colour)
    {
        var steps = (int)Math.Ceiling(Math.Max(Math.Abs(b.X - a.X), Math.Abs(b.Y - a.Y)));
        for (var s = 0; s <= steps; s++)
        {
            var t = steps == 0 ? 0 : (double)s / steps;
            Put(tile, (int)Math.Round(a.X + ((b.X - a.X) * t)), (int)Math.Round(a.Y + ((b.Y - a.Y) * t)), colour);
        }
    }

    private static void Frame(Image<Rgb24> tile, Rgb24 colour, int width)
    {
        for (var y = 0; y < tile.Height; y++)
        {
            for (var x = 0; x < tile.Width; x++)
            {
                if (x < width || y < width || x >= tile.Width - width || y >= tile.Height - width)
                {
                    tile[x, y] = colour;
                }
            }
        }
    }

    private static void Put(Image<Rgb24> tile, int x, int y, Rgb24 colour)
    {
        if (x >= 0 && y >= 0 && x < tile.Width && y < tile.Height)
        {
            tile[x, y] = colour;
        }
    }
}
