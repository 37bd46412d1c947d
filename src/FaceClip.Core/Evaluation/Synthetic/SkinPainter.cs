using FaceClip.Core.Geometry;
using SkiaSharp;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>A painted texture over the face's UV tile with a white strip beside it (for the parts coloured by their
/// vertices alone).</summary>
internal sealed class SkinTexture(SKImage image, int size) : IDisposable
{
    public SKImage Image { get; } = image;

    /// <summary>Texture pixel of the face tile's (u, v), v upwards as in OBJ.</summary>
    public SKPoint At(float u, float v) => new(Math.Clamp(u, 0, 1) * size, (1 - Math.Clamp(v, 0, 1)) * size);

    /// <summary>A pixel of the white strip.</summary>
    public SKPoint White => new(size + 8, 8);

    public void Dispose() => Image.Dispose();
}

/// <summary>
/// Paints a face's skin in its UV tile from the model's landmark vertices: the base tone with low-frequency blotches,
/// pores and flushed cheeks; brows of short hair strokes along landmarks 17-26; lips filled inside the outer lip
/// contour 48-59 with a darker line between them; lash lines along the eyelids; a hairline on the forehead (or none).
/// </summary>
internal static class SkinPainter
{
    public const int Size = 1024;

    public static SkinTexture Paint(FaceModelData data, SyntheticFace face, float[] vertexUvs, Random random)
    {
        var info = new SKImageInfo(Size + 16, Size, SKColorType.Rgba8888, SKAlphaType.Premul);
        using var surface = SKSurface.Create(info);
        var canvas = surface.Canvas;
        canvas.Clear(SKColors.White);
        using (var skin = new SKPaint { Color = ReferenceRenderer.Colour(face.Skin) })
        {
            canvas.DrawRect(0, 0, Size, Size, skin);
        }

        SKPoint Uv(int landmark)
        {
            var v = data.Landmarks[landmark];
            return new SKPoint(vertexUvs[v * 2] * Size, (1 - vertexUvs[(v * 2) + 1]) * Size);
        }

        Blotches(canvas, face, random);
        Cheeks(canvas, Uv);
        Hairline(canvas, data, face, vertexUvs, random);
        Brows(canvas, face, Uv, random);
        Lips(canvas, face, Uv);
        LashLines(canvas, face, Uv);
        return new SkinTexture(surface.Snapshot(), Size);
    }

    private static void Blotches(SKCanvas canvas, SyntheticFace face, Random random)
    {
        using var paint = new SKPaint { IsAntialias = true };
        for (var i = 0; i < 220; i++)
        {
            var radius = (float)ReferenceRenderer.Uniform(random, 4, 40);
            var f = ReferenceRenderer.Uniform(random, 0.9, 1.08);
            var red = ReferenceRenderer.Uniform(random, 0.98, 1.06);
            paint.Color = ReferenceRenderer.Colour([face.Skin[0] * f * red, face.Skin[1] * f, face.Skin[2] * f]).WithAlpha(60);
            using var blur = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, radius / 2);
            paint.MaskFilter = blur;
            canvas.DrawCircle((float)(random.NextDouble() * Size), (float)(random.NextDouble() * Size), radius, paint);
        }

        paint.MaskFilter = null;
        paint.Color = ReferenceRenderer.Colour([face.Skin[0] * 0.82, face.Skin[1] * 0.8, face.Skin[2] * 0.8]).WithAlpha(50);
        for (var i = 0; i < 25000; i++)
        {
            canvas.DrawCircle((float)(random.NextDouble() * Size), (float)(random.NextDouble() * Size), (float)ReferenceRenderer.Uniform(random, 0.5, 1.2), paint);
        }
    }

    private static void Cheeks(SKCanvas canvas, Func<int, SKPoint> uv)
    {
        foreach (var (jaw, nose) in new[] { (3, 31), (13, 35) })
        {
            var a = uv(jaw);
            var b = uv(nose);
            var centre = new SKPoint((a.X + b.X) / 2, (a.Y + b.Y) / 2);
            var radius = SKPoint.Distance(a, b) * 0.5f;
            using var shader = SKShader.CreateRadialGradient(centre, Math.Max(radius, 1), [new SKColor(200, 70, 70, 36), new SKColor(200, 70, 70, 0)], SKShaderTileMode.Clamp);
            using var paint = new SKPaint { Shader = shader, IsAntialias = true };
            canvas.DrawCircle(centre, radius, paint);
        }
    }

    /// <summary>Hair on the forehead above a curved line 4.5-6.5 cm over the brows (lower at the temples); one face
    /// in five is bald.</summary>
    private static void Hairline(SKCanvas canvas, FaceModelData data, SyntheticFace face, float[] vertexUvs, Random random)
    {
        if (random.NextDouble() < 0.2)
        {
            return;
        }

        var p = data.Neutral;
        var brow = Math.Max(p[(data.Landmarks[19] * 3) + 1], p[(data.Landmarks[24] * 3) + 1]);
        var halfWidth = Math.Abs(p[data.Landmarks[16] * 3] - p[data.Landmarks[0] * 3]) / 2;
        var height = ReferenceRenderer.Uniform(random, 4.5, 6.5);
        bool Hair(int v) => p[(v * 3) + 1] > brow + height - (2.0 * Math.Pow(p[v * 3] / halfWidth, 2));
        using var paint = new SKPaint { Color = ReferenceRenderer.Colour(face.Hair), IsAntialias = true };
        using var blur = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, 2.5f);
        paint.MaskFilter = blur;
        using var builder = new SKPathBuilder();
        for (var t = 0; t < data.TriangleCount; t++)
        {
            if (data.TriangleRegions[t] != FaceRegion.Face)
            {
                continue;
            }

            int a = data.Triangles[t * 3], b = data.Triangles[(t * 3) + 1], c = data.Triangles[(t * 3) + 2];
            if (!(Hair(a) && Hair(b) && Hair(c)))
            {
                continue;
            }

            builder.MoveTo(vertexUvs[a * 2] * Size, (1 - vertexUvs[(a * 2) + 1]) * Size);
            builder.LineTo(vertexUvs[b * 2] * Size, (1 - vertexUvs[(b * 2) + 1]) * Size);
            builder.LineTo(vertexUvs[c * 2] * Size, (1 - vertexUvs[(c * 2) + 1]) * Size);
            builder.Close();
        }

        using var path = builder.Detach();
        canvas.DrawPath(path, paint);
    }

    /// <summary>Short hair strokes in a band along each brow's landmarks (they mark its upper edge), thicker at the
    /// inner end, reaching towards the eye.</summary>
    private static void Brows(SKCanvas canvas, SyntheticFace face, Func<int, SKPoint> uv, Random random)
    {
        var thickness = ReferenceRenderer.Uniform(random, 0.13, 0.22);
        using var paint = new SKPaint { IsAntialias = true, StrokeWidth = 1.6f, Style = SKPaintStyle.Stroke, StrokeCap = SKStrokeCap.Round };
        foreach (var (first, eye, inner) in new[] { (17, 37, 21), (22, 44, 22) })
        {
            var points = Enumerable.Range(first, 5).Select(uv).ToArray();
            var length = 0f;
            for (var i = 1; i < points.Length; i++)
            {
                length += SKPoint.Distance(points[i - 1], points[i]);
            }

            var eyePoint = uv(eye);
            var middle = points[2];
            var towardsEye = Normalise(new SKPoint(eyePoint.X - middle.X, eyePoint.Y - middle.Y));
            var band = (float)(thickness * length);
            for (var s = 0; s < 700; s++)
            {
                var at = random.NextDouble();
                var segment = Math.Min((int)(at * 4), 3);
                var f = (float)((at * 4) - segment);
                var a = points[segment];
                var b = points[segment + 1];
                var along = Normalise(new SKPoint(b.X - a.X, b.Y - a.Y));
                var innerEnd = inner == first ? 1 - at : at; // 0 at the tail, 1 at the inner end
                var depth = (float)(random.NextDouble() * band * (0.55 + (0.45 * innerEnd)));
                var start = new SKPoint(a.X + ((b.X - a.X) * f) + (towardsEye.X * (depth - (0.15f * band))), a.Y + ((b.Y - a.Y) * f) + (towardsEye.Y * (depth - (0.15f * band))));
                var angle = ReferenceRenderer.Uniform(random, -0.35, 0.35);
                var direction = Rotate(along, angle);
                var hair = (float)(band * ReferenceRenderer.Uniform(random, 0.35, 0.7));
                paint.Color = ReferenceRenderer.Colour(face.Hair).WithAlpha((byte)random.Next(110, 200));
                canvas.DrawLine(start, new SKPoint(start.X + (direction.X * hair), start.Y + (direction.Y * hair)), paint);
            }
        }
    }

    private static void Lips(SKCanvas canvas, SyntheticFace face, Func<int, SKPoint> uv)
    {
        using var outer = Polygon(Enumerable.Range(48, 12).Select(uv).ToArray(), close: true);
        using var blur = SKMaskFilter.CreateBlur(SKBlurStyle.Normal, 1.8f);
        using var fill = new SKPaint { Color = ReferenceRenderer.Colour(face.Lips), IsAntialias = true, MaskFilter = blur };
        canvas.DrawPath(outer, fill);
        using var line = new SKPaint
        {
            Color = ReferenceRenderer.Colour([face.Lips[0] * 0.45, face.Lips[1] * 0.4, face.Lips[2] * 0.4]),
            IsAntialias = true,
            Style = SKPaintStyle.Stroke,
            StrokeWidth = 2.5f,
        };
        using var inner = Polygon(Enumerable.Range(60, 8).Select(uv).ToArray(), close: true);
        canvas.DrawPath(inner, line);
    }

    private static void LashLines(SKCanvas canvas, SyntheticFace face, Func<int, SKPoint> uv)
    {
        using var paint = new SKPaint
        {
            Color = ReferenceRenderer.Colour([face.Hair[0] * 0.5, face.Hair[1] * 0.5, face.Hair[2] * 0.5]),
            IsAntialias = true,
            Style = SKPaintStyle.Stroke,
            StrokeCap = SKStrokeCap.Round,
        };
        foreach (var first in new[] { 36, 42 })
        {
            using var lower = Polygon([uv(first + 3), uv(first + 4), uv(first + 5), uv(first)], close: false);
            paint.StrokeWidth = 2f;
            canvas.DrawPath(lower, paint);
            using var upper = Polygon([uv(first), uv(first + 1), uv(first + 2), uv(first + 3)], close: false);
            paint.StrokeWidth = 4f;
            canvas.DrawPath(upper, paint);
        }
    }

    private static SKPath Polygon(SKPoint[] points, bool close)
    {
        using var builder = new SKPathBuilder();
        builder.AddPoly(points, close);
        return builder.Detach();
    }

    private static SKPoint Normalise(SKPoint p)
    {
        var length = Math.Max(p.Length, 1e-6f);
        return new SKPoint(p.X / length, p.Y / length);
    }

    private static SKPoint Rotate(SKPoint p, double angle) =>
        new((float)((p.X * Math.Cos(angle)) - (p.Y * Math.Sin(angle))), (float)((p.X * Math.Sin(angle)) + (p.Y * Math.Cos(angle))));
}
