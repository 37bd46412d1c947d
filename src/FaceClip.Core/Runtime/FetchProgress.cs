namespace FaceClip.Core.Runtime;

/// <summary>Bytes written so far for one file of an asset being fetched.</summary>
public sealed record FetchProgress(string AssetId, string File, long Bytes, long? TotalBytes);
