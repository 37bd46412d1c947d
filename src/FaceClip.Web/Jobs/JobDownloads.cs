using System.IO.Compression;

namespace FaceClip.Web.Jobs;

/// <summary>What a person downloads from a job, grouped by what they want it for.</summary>
public enum DownloadGroup
{
    /// <summary>The fitted 3D face.</summary>
    Face,

    /// <summary>One prompt's face.</summary>
    Prompt,

    /// <summary>Texture and displacement maps.</summary>
    Texture,

    /// <summary>Pictures of the fit.</summary>
    Image,

    /// <summary>Codes, parameters and loss histories.</summary>
    Data,
}

/// <summary>One artifact as the results show it: its group, a short title, what it is for (the tooltip) and the file
/// name it downloads as.</summary>
public sealed record JobDownload(string Artifact, DownloadGroup Group, string Title, string Explanation, string FileName, string? Prompt);

/// <summary>
/// The results of a job as downloads: each artifact with a plain title and an explanation, and a file name that says
/// whose it is (<c>faceclip-&lt;job&gt;[-&lt;prompt&gt;]-&lt;file&gt;</c>, so files of several jobs and prompts never
/// collide in a downloads folder); and every artifact in one zip.
/// </summary>
public static class JobDownloads
{
    /// <summary>The archive of every artifact, built once per finished job in its folder.</summary>
    public const string AllFile = "all.zip";

    private static readonly Dictionary<string, (DownloadGroup Group, string Title, string Explanation)> Known = new(StringComparer.Ordinal)
    {
        ["mesh.glb"] = (DownloadGroup.Face, "3D face (GLB)",
            "The textured face for 3D viewers, game engines and Blender, with the 53 expression blendshapes as morph targets."),
        ["mesh-obj.zip"] = (DownloadGroup.Face, "3D face (OBJ)", "The mesh as OBJ with its material (MTL) and texture, zipped: opens in almost any 3D program."),
        ["mesh.ply"] = (DownloadGroup.Face, "Point cloud and mesh (PLY)", "The mesh with a colour per vertex, for MeshLab and scanning tools."),
        ["texture.png"] = (DownloadGroup.Texture, "Texture", "The face's colours baked from the photo onto the model's UV layout."),
        ["displacement.png"] = (DownloadGroup.Texture, "Displacement map", "The detail pass's offsets along the normals (wrinkles, folds) over the face's UV tile, 16-bit."),
        ["normal.png"] = (DownloadGroup.Texture, "Normal map", "The detail pass's wrinkles and folds as a tangent-space normal map over the texture's layout, 16-bit (the GLB and OBJ use it)."),
        ["bump.png"] = (DownloadGroup.Texture, "Bump map", "The detail pass's displacement as a height map over the texture's layout, 16-bit (the OBJ's material gives its range)."),
        ["render.png"] = (DownloadGroup.Image, "Render", "The fitted face rendered as the photo's camera saw it."),
        ["overlay.png"] = (DownloadGroup.Image, "Render over the photo", "The render laid over the photo, with the detected and fitted landmarks."),
        ["composite.png"] = (DownloadGroup.Image, "The new face in the photo", "The changed face rendered into the photo."),
        ["source.png"] = (DownloadGroup.Image, "Fit before the expressions", "The fitted face that the expression prompts start from, rendered."),
        ["params.json"] = (DownloadGroup.Data, "Fit parameters", "The fitted codes (shape, expression, texture, pose, lighting), landmarks and fit figures, as JSON."),
        ["transfer.json"] = (DownloadGroup.Data, "Expression summary", "What each prompt was read as and how the expression net scored its result, as JSON."),
        ["codes.json"] = (DownloadGroup.Data, "Expression codes", "The prompt's 53 expression blendshape weights, as JSON."),
        ["losses.json"] = (DownloadGroup.Data, "Loss history", "The prompt's loss terms at every step of the transfer, as JSON."),
        [JobTimeline.FileName] = (DownloadGroup.Data, "Job timeline", "Every step of the job with its loss terms, its stages and timings, as JSON."),
    };

    /// <summary>Parts of a download that are already inside another (the OBJ and MTL travel in the OBJ zip).</summary>
    private static readonly HashSet<string> Inside = new(StringComparer.Ordinal) { "mesh.obj", "mesh.mtl" };

    /// <summary>The downloads of a job in the order shown, each prompt's with its prompt.</summary>
    public static IReadOnlyList<JobDownload> Of(JobRecord record)
    {
        var prompts = PromptFolders(record.Request.Prompts).ToDictionary(p => p.Folder, p => p.Prompt, StringComparer.Ordinal);
        var list = new List<JobDownload>();
        foreach (var artifact in record.Artifacts)
        {
            var slash = artifact.IndexOf('/', StringComparison.Ordinal);
            var folder = slash < 0 ? null : artifact[..slash];
            var file = slash < 0 ? artifact : artifact[(slash + 1)..];
            if (Inside.Contains(file))
            {
                continue;
            }

            var prompt = folder is not null && prompts.TryGetValue(folder, out var p) ? p : null;
            var (group, title, explanation) = Known.TryGetValue(file, out var known)
                ? known
                : (DownloadGroup.Data, file, "A file the job wrote.");
            if (folder is not null && file is "texture.png" or "normal.png" or "bump.png")
            {
                continue; // a prompt's texture and detail maps are the fit's
            }

            if (prompt is not null && group is DownloadGroup.Face)
            {
                group = DownloadGroup.Prompt;
                explanation = $"The face with the expression of “{prompt}”. " + explanation.Replace("the 53 expression blendshapes as morph targets",
                    "the 53 expression blendshapes as morph targets and an animation into the expression", StringComparison.Ordinal);
            }

            list.Add(new JobDownload(artifact, group, title, explanation, FileName(record.Id, artifact), prompt));
        }

        return list.OrderBy(d => d.Group).ToList();
    }

    /// <summary>The name a job's artifact downloads as: <c>faceclip-&lt;first 8 of the id&gt;-&lt;folder&gt;-&lt;file&gt;</c>.</summary>
    public static string FileName(string jobId, string artifact) => $"{Prefix(jobId)}-{artifact.Replace('/', '-')}";

    /// <summary>The name of the zip of everything.</summary>
    public static string AllFileName(string jobId) => $"{Prefix(jobId)}-all.zip";

    private static string Prefix(string jobId) => "faceclip-" + jobId[..Math.Min(8, jobId.Length)];

    /// <summary>Each prompt with the folder its results are written to (the transfer's slugs, in prompt order).</summary>
    public static IEnumerable<(string Prompt, string Folder)> PromptFolders(IEnumerable<string> prompts)
    {
        var taken = new List<string>();
        foreach (var prompt in prompts)
        {
            var slug = FaceClip.Core.Expression.ExpressionTransfer.Slug(prompt, taken);
            taken.Add(slug);
            yield return (prompt, slug);
        }
    }

    /// <summary>The zip of every artifact of a finished job (and its timeline), under a folder named for the job; built
    /// once into the job's folder (to a temporary name, then moved into place) and served from there after.</summary>
    public static string AllZip(JobStore store, JobRecord record)
    {
        var folder = store.JobDirectory(record.Id);
        var path = Path.Combine(folder, AllFile);
        if (File.Exists(path))
        {
            return path;
        }

        var temporary = path + $".{Guid.NewGuid():N}.tmp";
        try
        {
            using (var zip = ZipFile.Open(temporary, ZipArchiveMode.Create))
            {
                var root = Prefix(record.Id);
                foreach (var artifact in record.Artifacts.Append(JobTimeline.FileName))
                {
                    var file = Path.Combine(folder, artifact);
                    if (File.Exists(file))
                    {
                        var already = Path.GetExtension(artifact) is ".zip" or ".png" or ".glb" or ".jpg";
                        zip.CreateEntryFromFile(file, $"{root}/{artifact}", already ? CompressionLevel.NoCompression : CompressionLevel.Optimal);
                    }
                }
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }

        return path;
    }
}
