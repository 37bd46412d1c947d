namespace FaceClip.Core.Runtime;

/// <summary>Where the model store looks for assets. Bound from the <c>Models</c> section; relative paths are taken
/// from the product root (<see cref="ProductPaths"/>).</summary>
public sealed class ModelStoreOptions
{
    public const string SectionName = "Models";
    public const string MirrorVariable = "FACECLIP_MODEL_MIRROR";

    /// <summary>Folder with <c>manifest.json</c> and the downloaded or imported assets.</summary>
    public string Directory { get; set; } = "models";

    /// <summary>A local mirror laid out like <c>models/</c>; defaults to the <c>FACECLIP_MODEL_MIRROR</c> variable.</summary>
    public string? Mirror { get; set; }

    /// <summary>The npm install folder that holds packaged assets.</summary>
    public string NodeModules { get; set; } = "node_modules";

    /// <summary>Whether <c>fetch</c> may download from an asset's source URL.</summary>
    public bool AllowDownload { get; set; } = true;

    /// <summary>Returns a copy with every path made absolute against <paramref name="root"/> and the mirror variable applied.</summary>
    public ModelStoreOptions ResolvedAgainst(string root)
    {
        var mirror = string.IsNullOrWhiteSpace(Mirror) ? Environment.GetEnvironmentVariable(MirrorVariable) : Mirror;
        return new ModelStoreOptions
        {
            Directory = Path.GetFullPath(Directory, root),
            Mirror = string.IsNullOrWhiteSpace(mirror) ? null : Path.GetFullPath(mirror, root),
            NodeModules = Path.GetFullPath(NodeModules, root),
            AllowDownload = AllowDownload,
        };
    }
}
