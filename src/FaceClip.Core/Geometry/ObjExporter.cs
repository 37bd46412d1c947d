using System.Globalization;
using System.Text;
using SixLabors.ImageSharp;

namespace FaceClip.Core.Geometry;

/// <summary>Writes Wavefront OBJ with its MTL and, when the mesh has a texture, the texture as PNG beside it
/// (<c>name.obj</c>, <c>name.mtl</c>, <c>name_albedo.png</c>), and its detail maps when it has them: the normal map
/// (<c>norm</c>) and the bump map with its height range (<c>bump -bm</c>), 16-bit PNGs. Faces are <c>f v/vt</c> when
/// the mesh has UVs.</summary>
public static class ObjExporter
{
    /// <param name="objPath">The OBJ file; the MTL goes beside it with the same name.</param>
    /// <param name="mesh">The mesh.</param>
    /// <param name="textureFileName">The texture's file name (default <c>name_albedo.png</c>).</param>
    /// <param name="normalFileName">The normal map's file name (default <c>name_normal.png</c>).</param>
    /// <param name="bumpFileName">The bump map's file name (default <c>name_bump.png</c>).</param>
    public static void Write(string objPath, ExportMesh mesh, string? textureFileName = null, string? normalFileName = null, string? bumpFileName = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        var folder = Path.GetDirectoryName(Path.GetFullPath(objPath))!;
        Directory.CreateDirectory(folder);
        var name = Path.GetFileNameWithoutExtension(objPath);
        var mtlName = name + ".mtl";
        var textureName = textureFileName ?? name + "_albedo.png";
        var culture = CultureInfo.InvariantCulture;

        var text = new StringBuilder(mesh.VertexCount * 40 + mesh.TriangleCount * 30);
        text.AppendLine("# FaceClip mesh export");
        text.Append("mtllib ").AppendLine(mtlName);
        for (var v = 0; v < mesh.VertexCount; v++)
        {
            text.Append(culture, $"v {mesh.Positions[v * 3]:R} {mesh.Positions[v * 3 + 1]:R} {mesh.Positions[v * 3 + 2]:R}\n");
        }

        if (mesh.HasUvs)
        {
            for (var i = 0; i < mesh.Uvs!.Length / 2; i++)
            {
                text.Append(culture, $"vt {mesh.Uvs[i * 2]:R} {mesh.Uvs[i * 2 + 1]:R}\n");
            }
        }

        text.AppendLine("usemtl face");
        for (var t = 0; t < mesh.TriangleCount; t++)
        {
            text.Append('f');
            for (var c = 0; c < 3; c++)
            {
                text.Append(' ').Append(mesh.Triangles[t * 3 + c] + 1);
                if (mesh.HasUvs)
                {
                    text.Append('/').Append(mesh.TriangleUvIndices![t * 3 + c] + 1);
                }
            }

            text.Append('\n');
        }

        File.WriteAllText(objPath, text.ToString());

        var mtl = new StringBuilder();
        mtl.AppendLine("newmtl face");
        mtl.AppendLine("Ka 0 0 0");
        mtl.AppendLine(mesh.Texture is null ? "Kd 0.8 0.6 0.5" : "Kd 1 1 1");
        mtl.AppendLine("Ks 0 0 0");
        mtl.AppendLine("d 1");
        mtl.AppendLine("illum 1");
        if (mesh.Texture is not null)
        {
            mtl.Append("map_Kd ").AppendLine(textureName);
            mesh.Texture.SaveAsPng(Path.Combine(folder, textureName));
        }

        if (mesh.NormalTexture is not null)
        {
            var normalName = normalFileName ?? name + "_normal.png";
            mtl.Append("norm ").AppendLine(normalName);
            mesh.NormalTexture.SaveAsPng(Path.Combine(folder, normalName));
        }

        if (mesh.BumpTexture is not null)
        {
            var bumpName = bumpFileName ?? name + "_bump.png";
            mtl.Append(culture, $"bump -bm {mesh.BumpScale:R} ").AppendLine(bumpName);
            mesh.BumpTexture.SaveAsPng(Path.Combine(folder, bumpName));
        }

        File.WriteAllText(Path.Combine(folder, mtlName), mtl.ToString());
    }
}
