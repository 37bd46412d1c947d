namespace FaceClip.Core.Runtime;

/// <summary>Where an asset's files were found.</summary>
public enum AssetLocation
{
    Missing,

    /// <summary>The project's <c>models/</c> folder.</summary>
    ModelsDirectory,

    /// <summary>A local mirror (<c>FACECLIP_MODEL_MIRROR</c>).</summary>
    Mirror,

    /// <summary>An installed npm package under <c>node_modules</c>.</summary>
    NpmPackage,
}
