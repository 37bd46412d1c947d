namespace FaceClip.Core.Runtime;

/// <summary>What the store knows about one asset: where its files are and whether they passed their checks.</summary>
public sealed record AssetStatus(ModelAsset Asset, AssetLocation Location, string? Root, bool Verified, string? Problem)
{
    public bool Found => Location != AssetLocation.Missing && Problem is null;

    /// <summary>Absolute path of one file of a found asset.</summary>
    public string PathOf(string relativePath)
    {
        if (!Found || Root is null)
        {
            throw new InvalidOperationException($"Asset '{Asset.Id}' is not available.");
        }

        return System.IO.Path.Combine(Root, relativePath);
    }
}
