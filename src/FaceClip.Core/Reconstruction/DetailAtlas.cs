using FaceClip.Core.Geometry;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Reconstruction;

/// <summary>The detail maps of the face's UV tile placed in the export atlas (<see cref="FaceMeshExport.AtlasUv"/>):
/// the atlas is 4 × 2 tiles of the map's resolution, the face's tile holds the maps and the others are flat.</summary>
public static class DetailAtlas
{
    /// <summary>A 16-bit tangent-space normal map over the atlas from the face tile's normals [3, R, R] in [-1, 1].</summary>
    public static Image<Rgb48> Normals(float[] tangentNormals, int resolution)
    {
        ArgumentNullException.ThrowIfNull(tangentNormals);
        var (x0, y0) = FaceTile(resolution);
        var image = new Image<Rgb48>(4 * resolution, 2 * resolution, new Rgb48(32768, 32768, 65535));
        var plane = resolution * resolution;
        for (var y = 0; y < resolution; y++)
        {
            for (var x = 0; x < resolution; x++)
            {
                var i = (y * resolution) + x;
                image[x0 + x, y0 + y] = new Rgb48(Level(tangentNormals[i]), Level(tangentNormals[plane + i]), Level(tangentNormals[(2 * plane) + i]));
            }
        }

        return image;

        static ushort Level(float c) => (ushort)Math.Clamp(Math.Round((c + 1) / 2 * 65535), 0, 65535);
    }

    /// <summary>A 16-bit bump map over the atlas from the face tile's displacement [R, R] (cm): mid-grey at 0, and
    /// <paramref name="scale"/> cm from grey 0 to grey 65535 (twice the largest |displacement|).</summary>
    public static Image<L16> Bump(float[] displacement, int resolution, out float scale)
    {
        ArgumentNullException.ThrowIfNull(displacement);
        var extent = Math.Max(1e-6f, displacement.Max(Math.Abs));
        scale = 2 * extent;
        var (x0, y0) = FaceTile(resolution);
        var image = new Image<L16>(4 * resolution, 2 * resolution, new L16(32768));
        for (var y = 0; y < resolution; y++)
        {
            for (var x = 0; x < resolution; x++)
            {
                var t = (displacement[(y * resolution) + x] + extent) / (2 * extent);
                image[x0 + x, y0 + y] = new L16((ushort)Math.Clamp(Math.Round(t * 65535), 0, 65535));
            }
        }

        return image;
    }

    /// <summary>The top-left pixel of the face's tile in an atlas of tiles of side <paramref name="resolution"/>.</summary>
    private static (int X, int Y) FaceTile(int resolution)
    {
        var cell = FaceMeshExport.AtlasCell(FaceRegion.Face).Cell;
        return (cell % 4 * resolution, cell / 4 * resolution);
    }
}
