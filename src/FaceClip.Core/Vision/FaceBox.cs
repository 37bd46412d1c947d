namespace FaceClip.Core.Vision;

/// <summary>An axis-aligned box in image pixels (x, y: top-left corner).</summary>
public readonly record struct FaceBox(double X, double Y, double Width, double Height)
{
    public double Right => X + Width;

    public double Bottom => Y + Height;

    public double Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>Intersection over union with another box.</summary>
    public double IoU(FaceBox other)
    {
        var w = Math.Min(Right, other.Right) - Math.Max(X, other.X);
        var h = Math.Min(Bottom, other.Bottom) - Math.Max(Y, other.Y);
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var inter = w * h;
        return inter / (Area + other.Area - inter);
    }

    /// <summary>face-api's Box.clipAtImageBorders: clip to the image, then floor x, y, width and height.</summary>
    public FaceBox ClipFloor(int imageWidth, int imageHeight)
    {
        var x = Math.Max(X, 0);
        var y = Math.Max(Y, 0);
        var w = Math.Min(Right - x, imageWidth - x);
        var h = Math.Min(Bottom - y, imageHeight - y);
        return new FaceBox(Math.Floor(x), Math.Floor(y), Math.Floor(w), Math.Floor(h));
    }
}
