using System.IO.Compression;
using FaceClip.Core.Geometry;

namespace FaceClip.Core.Reconstruction;

/// <summary>Writes a fit to a folder: <c>params.json</c>, <c>texture.png</c>, <c>render.png</c>, <c>overlay.png</c>
///. Each file is written to a temporary name and moved into place.</summary>
public static class ReconstructionWriter
{
    public const string ParamsFile = "params.json";
    public const string TextureFile = "texture.png";
    public const string RenderFile = "render.png";
    public const string OverlayFile = "overlay.png";
    public const string ObjFile = "mesh.obj";
    public const string MtlFile = "mesh.mtl";
    public const string ObjZipFile = "mesh-obj.zip";
    public const string GlbFile = "mesh.glb";
    public const string PlyFile = "mesh.ply";
    public const string DisplacementFile = "displacement.png";
    public const string NormalMapFile = "normal.png";
    public const string BumpMapFile = "bump.png";
    public const string DenseObjFile = "mesh-dense.obj";
    public const string DensePlyFile = "mesh-dense.ply";

    /// <summary>Writes every artifact and returns their file names.</summary>
    public static IReadOnlyList<string> Write(ReconstructionResult result, string directory, string photoName) =>
        Staged(directory, staging =>
        {
            FitParameters.From(result, photoName).Write(Path.Combine(staging, ParamsFile));
            WriteMeshes(result.Mesh, result.ExpressionWeights, staging);
            File.WriteAllBytes(Path.Combine(staging, RenderFile), result.RenderPng);
            File.WriteAllBytes(Path.Combine(staging, OverlayFile), result.OverlayPng);
            if (result.Details is { } details)
            {
                File.WriteAllBytes(Path.Combine(staging, DisplacementFile), details.DisplacementPng);
            }

            if (result.DenseMesh is { } dense)
            {
                ObjExporter.Write(Path.Combine(staging, DenseObjFile), dense, TextureFile);
                PlyExporter.Write(Path.Combine(staging, DensePlyFile), dense);
            }
        });

    /// <summary>Writes OBJ (+MTL, texture, zip), GLB and PLY of a mesh whose morph targets take <paramref name="weights"/>;
    /// the GLB also carries <paramref name="animation"/> (morph-weight keyframes) when given.</summary>
    public static void WriteMeshes(ExportMesh mesh, IReadOnlyList<float> weights, string directory,
        IReadOnlyList<MorphKeyframe>? animation = null, string animationName = "expression")
    {
        var posed = mesh.ApplyMorphs(weights);
        ObjExporter.Write(Path.Combine(directory, ObjFile), posed, TextureFile, NormalMapFile, BumpMapFile);
        PlyExporter.Write(Path.Combine(directory, PlyFile), posed);
        GlbExporter.Write(Path.Combine(directory, GlbFile), mesh, weights, animation, animationName);
        using var zip = ZipFile.Open(Path.Combine(directory, ObjZipFile), ZipArchiveMode.Create);
        foreach (var name in new[] { ObjFile, MtlFile, TextureFile, NormalMapFile, BumpMapFile }.Where(n => File.Exists(Path.Combine(directory, n))))
        {
            zip.CreateEntryFromFile(Path.Combine(directory, name), name, CompressionLevel.Optimal);
        }
    }

    /// <summary>Runs <paramref name="write"/> into a fresh staging folder inside <paramref name="directory"/>, then
    /// moves each file it wrote into <paramref name="directory"/>; returns their names in the order written.</summary>
    public static IReadOnlyList<string> Staged(string directory, Action<string> write)
    {
        Directory.CreateDirectory(directory);
        var staging = Path.Combine(directory, $".staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            write(staging);
            var files = new DirectoryInfo(staging).GetFiles().OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal).ToList();
            foreach (var file in files)
            {
                file.MoveTo(Path.Combine(directory, file.Name), overwrite: true);
            }

            return files.Select(f => f.Name).ToList();
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }
}
