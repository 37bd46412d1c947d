using SkiaSharp;

namespace FaceClip.Core.Evaluation.Synthetic;

/// <summary>
/// Draws what <see cref="SyntheticFace.Occluders"/> puts in front of a photographed face, placed by its true 68
/// landmarks: glasses (frames round the eyes, bridge, temples, faintly tinted lenses), a hand (palm and fingers in the
/// skin's colour, shaded across) over the mouth, chin or a cheek, and strands of hair falling from the hairline over
/// the forehead and an eye. The landmarks stay the truth under them: a network trained on these photos learns to
/// place what it cannot see.
/// </summary>
internal static class SyntheticOccluderPainter
{
    private static readonly SKColor[] FrameColours =
    [
        new(20, 20, 22), new(60, 40, 30), new(120, 90, 60), new(160, 160, 170), new(110, 20, 30),
    ];

    /// <param name="landmarks">The 68 landmarks in the canvas' pixels.</param>
    public static void Paint(SKCanvas canvas, SyntheticFace face, (float X, float Y)[] landmarks, Random random)
    {
        var width = Distance(landmarks[0], landmarks[16]);
        if (face.Occluders.HasFlag(SyntheticOccluders.Hair))
        {
            Hair(canvas, face, landmarks, width, random);
        }

        if (face.Occluders.HasFlag(SyntheticOccluders.Glasses))
        {
            Glasses(canvas, landmarks, width, random);
        }

        if (face.Occluders.HasFlag(SyntheticOccluders.Hand))
        {
            Hand(canvas, face, landmarks, width, random);
        }
    }

    private static void Glasses(SKCanvas canvas, (float X, float Y)[] l, float width, Random random)
    {
        var colour = FrameColours[random.Next(FrameColours.Length)];
        var thickness = width * (float)ReferenceRenderer.Uniform(random, 0.012, 0.035);
        var rounded = (float)ReferenceRenderer.Uniform(random, 0.2, 0.5);
        using var frame = new SKPaint { Color = colour, Style = SKPaintStyle.Stroke, StrokeWidth = thickness, IsAntialias = true, StrokeCap = SKStrokeCap.Round };
        using var lens = new SKPaint { Color = new SKColor(200, 210, 220, (byte)random.Next(10, 60)), Style = SKPaintStyle.Fill, IsAntialias = true };
        var scale = (float)ReferenceRenderer.Uniform(random, 1.5, 1.9);
        var rims = new List<SKRect>();
        foreach (var (from, to) in new[] { (36, 41), (42, 47) })
        {
            var eye = l[from..(to + 1)];
            var cx = eye.Average(p => p.X);
            var cy = eye.Average(p => p.Y);
            var eyeWidth = Distance(eye[0], eye[3]);
            var rect = SKRect.Create(cx - (eyeWidth * scale / 2), cy - (eyeWidth * scale * 0.38f), eyeWidth * scale, eyeWidth * scale * 0.8f);
            rims.Add(rect);
            canvas.DrawRoundRect(rect, rect.Width * rounded, rect.Height * rounded, lens);
            canvas.DrawRoundRect(rect, rect.Width * rounded, rect.Height * rounded, frame);
        }

        canvas.DrawLine(rims[0].Right, rims[0].MidY - (rims[0].Height * 0.15f), rims[1].Left, rims[1].MidY - (rims[1].Height * 0.15f), frame);
        canvas.DrawLine(rims[0].Left, rims[0].MidY - (rims[0].Height * 0.2f), l[0].X, l[0].Y, frame);
        canvas.DrawLine(rims[1].Right, rims[1].MidY - (rims[1].Height * 0.2f), l[16].X, l[16].Y, frame);
    }

    private static void Hand(SKCanvas canvas, SyntheticFace face, (float X, float Y)[] l, float width, Random random)
    {
        // Where it rests: over the mouth, the chin or one cheek; the fingers point up and across the face.
        int[] anchors = [57, 8, 3, 13, 51];
        var anchor = l[anchors[random.Next(anchors.Length)]];
        var size = width * (float)ReferenceRenderer.Uniform(random, 0.45, 0.7);
        var angle = (float)ReferenceRenderer.Uniform(random, -60, 60) + (anchor.X < l[30].X ? 20 : -20);
        var light = (float)ReferenceRenderer.Uniform(random, 0.55, 0.95);
        var tone = face.Skin.Select(c => Math.Clamp(c * ReferenceRenderer.Uniform(random, 0.9, 1.1), 0, 1)).ToArray();
        var lit = ReferenceRenderer.Colour(tone.Select(c => c * light).ToArray());
        var dark = ReferenceRenderer.Colour(tone.Select(c => c * light * 0.6).ToArray());
        canvas.Save();
        canvas.Translate(anchor.X, anchor.Y + (size * 0.35f));
        canvas.RotateDegrees(angle);
        using var shader = SKShader.CreateLinearGradient(new SKPoint(-size / 2, 0), new SKPoint(size / 2, 0), [lit, dark], SKShaderTileMode.Clamp);
        using var skin = new SKPaint { Shader = shader, IsAntialias = true };
        using var outline = new SKPaint { Color = dark, Style = SKPaintStyle.Stroke, StrokeWidth = size * 0.01f, IsAntialias = true };
        var palm = SKRect.Create(-size * 0.4f, 0, size * 0.8f, size * 0.75f);
        canvas.DrawRoundRect(palm, size * 0.25f, size * 0.25f, skin);
        for (var f = 0; f < 4; f++)
        {
            var x = -size * 0.36f + (f * size * 0.2f);
            var length = size * (float)(f is 1 or 2 ? 0.55 : 0.45) * (float)ReferenceRenderer.Uniform(random, 0.9, 1.1);
            var finger = SKRect.Create(x, -length + (size * 0.1f), size * 0.17f, length);
            canvas.DrawRoundRect(finger, size * 0.085f, size * 0.085f, skin);
            canvas.DrawRoundRect(finger, size * 0.085f, size * 0.085f, outline);
        }

        canvas.Restore();
    }

    private static void Hair(SKCanvas canvas, SyntheticFace face, (float X, float Y)[] l, float width, Random random)
    {
        var colour = ReferenceRenderer.Colour(face.Hair);
        var strands = random.Next(6, 25);
        var side = random.Next(2) == 0 ? 19 : 24; // falls over the subject's right or left brow
        var brow = l[side];
        var up = width * 0.35f;
        using var paint = new SKPaint { Color = colour, Style = SKPaintStyle.Stroke, IsAntialias = true, StrokeCap = SKStrokeCap.Round };
        for (var s = 0; s < strands; s++)
        {
            paint.StrokeWidth = width * (float)ReferenceRenderer.Uniform(random, 0.004, 0.015);
            var startX = brow.X + (width * (float)ReferenceRenderer.Uniform(random, -0.25, 0.25));
            var start = new SKPoint(startX, brow.Y - up);
            var endX = startX + (width * (float)ReferenceRenderer.Uniform(random, -0.2, 0.2));
            var end = new SKPoint(endX, brow.Y + (width * (float)ReferenceRenderer.Uniform(random, -0.05, 0.3)));
            var bend = new SKPoint(((start.X + end.X) / 2) + (width * (float)ReferenceRenderer.Uniform(random, -0.15, 0.15)), (start.Y + end.Y) / 2);
            using var builder = new SKPathBuilder();
            builder.MoveTo(start);
            builder.QuadTo(bend, end);
            using var path = builder.Detach();
            canvas.DrawPath(path, paint);
        }
    }

    private static float Distance((float X, float Y) a, (float X, float Y) b) => MathF.Sqrt(((a.X - b.X) * (a.X - b.X)) + ((a.Y - b.Y) * (a.Y - b.Y)));
}
