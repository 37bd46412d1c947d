namespace FaceClip.Core.Vision;

/// <summary>Crops derived from the 68 landmarks.</summary>
public static class FaceAlignment
{
    /// <summary>
    /// The descriptor crop of face-api's <c>FaceLandmarks.alignDlib()</c>: a square around the eye and mouth centres,
    /// its side the mean eye-to-mouth distance / 0.45, placed 0.5 / 0.43 of the side left of and above their centroid.
    /// Not clipped to the image (callers that need face-api's exact clipping apply it).
    /// </summary>
    public static FaceBox DescriptorBox(IReadOnlyList<(double X, double Y)> p)
    {
        (double X, double Y) Center(int from, int to)
        {
            double sx = 0, sy = 0;
            for (var i = from; i < to; i++)
            {
                sx += p[i].X;
                sy += p[i].Y;
            }

            return (sx / (to - from), sy / (to - from));
        }

        var le = Center(36, 42);
        var re = Center(42, 48);
        var mouth = Center(48, 68);
        double Dist((double X, double Y) a) => Math.Sqrt(((mouth.X - a.X) * (mouth.X - a.X)) + ((mouth.Y - a.Y) * (mouth.Y - a.Y)));
        var size = Math.Floor(((Dist(le) + Dist(re)) / 2) / 0.45);
        var refX = (le.X + re.X + mouth.X) / 3;
        var refY = (le.Y + re.Y + mouth.Y) / 3;
        return new FaceBox(Math.Floor(refX - (0.5 * size)), Math.Floor(refY - (0.43 * size)), size, size);
    }
}
