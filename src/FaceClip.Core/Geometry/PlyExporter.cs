using System.Globalization;
using System.Text;

namespace FaceClip.Core.Geometry;

/// <summary>Writes ASCII PLY with per-vertex colours (uchar RGB) and triangle faces.</summary>
public static class PlyExporter
{
    public static void Write(string path, ExportMesh mesh)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var culture = CultureInfo.InvariantCulture;
        var hasColour = mesh.VertexColours is not null;
        var text = new StringBuilder(mesh.VertexCount * 48 + mesh.TriangleCount * 24);
        text.Append("ply\nformat ascii 1.0\ncomment FaceClip mesh export\n");
        text.Append(culture, $"element vertex {mesh.VertexCount}\nproperty float x\nproperty float y\nproperty float z\n");
        if (hasColour)
        {
            text.Append("property uchar red\nproperty uchar green\nproperty uchar blue\n");
        }

        text.Append(culture, $"element face {mesh.TriangleCount}\nproperty list uchar int vertex_indices\nend_header\n");
        for (var v = 0; v < mesh.VertexCount; v++)
        {
            text.Append(culture, $"{mesh.Positions[v * 3]:R} {mesh.Positions[v * 3 + 1]:R} {mesh.Positions[v * 3 + 2]:R}");
            if (hasColour)
            {
                for (var k = 0; k < 3; k++)
                {
                    text.Append(' ').Append(ToByte(mesh.VertexColours![v * 3 + k]));
                }
            }

            text.Append('\n');
        }

        for (var t = 0; t < mesh.TriangleCount; t++)
        {
            text.Append(culture, $"3 {mesh.Triangles[t * 3]} {mesh.Triangles[t * 3 + 1]} {mesh.Triangles[t * 3 + 2]}\n");
        }

        File.WriteAllText(path, text.ToString());
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)MathF.Round(v * 255f), 0, 255);
}
