namespace FaceClip.Core.Runtime;

/// <summary>A model asset is missing, or a file failed its check. The message names the command that fixes it.</summary>
public sealed class ModelAssetException(string assetId, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string AssetId { get; } = assetId;
}
