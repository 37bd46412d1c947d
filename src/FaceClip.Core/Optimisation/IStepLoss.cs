using static TorchSharp.torch;

namespace FaceClip.Core.Optimisation;

/// <summary>What one optimisation step computes: the scalar that is back-propagated (and whatever else the caller
/// reports from the step, on the implementing type).</summary>
public interface IStepLoss
{
    /// <summary>The scalar objective of the step.</summary>
    Tensor Objective { get; }
}
