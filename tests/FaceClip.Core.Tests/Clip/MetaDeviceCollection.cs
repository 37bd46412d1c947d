namespace FaceClip.Core.Tests.Clip;

/// <summary>Tests that switch LibTorch's process-wide default device to <c>meta</c> run alone, so no other test
/// creates tensors meanwhile.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetaDeviceCollection
{
    public const string Name = "meta-device";
}
