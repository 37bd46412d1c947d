namespace FaceClip.Core.Runtime;

/// <summary>Where tensors live and how many CPU threads LibTorch uses. Bound from the <c>Compute</c> section.</summary>
public sealed class ComputeOptions
{
    public const string SectionName = "Compute";

    /// <summary><c>auto</c> (CUDA when available, else CPU), <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "auto";

    /// <summary>LibTorch intra-op threads; 0 keeps LibTorch's default (one per core).</summary>
    public int Threads { get; set; }
}
