using FaceClip.Core.Optimisation;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>A reconstruction loss: the weighted total, each weighted term, and (full loss) the render composited over
/// the photo crops [B, 3, S, S].</summary>
public sealed record ReconstructionTerms(Tensor Total, IReadOnlyDictionary<string, Tensor> Terms, Tensor? Composite) : IStepLoss
{
    /// <summary>The weighted total, back-propagated by a fitting step.</summary>
    public Tensor Objective => Total;

    /// <summary>The terms and the total as numbers (for progress reports and logs).</summary>
    public Dictionary<string, double> Values()
    {
        var values = Terms.ToDictionary(kv => kv.Key, kv => (double)kv.Value.item<float>());
        values["total"] = Total.item<float>();
        return values;
    }
}
