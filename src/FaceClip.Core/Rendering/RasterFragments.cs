namespace FaceClip.Core.Rendering;

/// <summary>
/// The visibility pass's result: for each covered pixel (in increasing order of <c>b·H·W + y·W + x</c>), the
/// index of the nearest triangle (into the topology's triangle list).
/// </summary>
public sealed class RasterFragments
{
    public required int Batch { get; init; }

    public required int Width { get; init; }

    public required int Height { get; init; }

    /// <summary>Flat pixel index b·H·W + y·W + x of each covered pixel.</summary>
    public required long[] PixelIndices { get; init; }

    /// <summary>The visible triangle at each covered pixel.</summary>
    public required long[] TriangleIndices { get; init; }

    public int Count => PixelIndices.Length;

    /// <summary>How many covered pixels each batch item has (fragments are ordered by batch item).</summary>
    public long[] CountsPerBatchItem()
    {
        var counts = new long[Batch];
        long pixelsPerImage = (long)Width * Height;
        foreach (var p in PixelIndices)
        {
            counts[p / pixelsPerImage]++;
        }

        return counts;
    }

    /// <summary>Triangle id per pixel for batch item <paramref name="b"/> (row-major), -1 where nothing is drawn.</summary>
    public int[] TriangleIdImage(int b)
    {
        var image = new int[Width * Height];
        Array.Fill(image, -1);
        long start = (long)b * Width * Height;
        for (var i = 0; i < Count; i++)
        {
            var p = PixelIndices[i] - start;
            if (p >= 0 && p < image.Length)
            {
                image[p] = (int)TriangleIndices[i];
            }
        }

        return image;
    }
}
