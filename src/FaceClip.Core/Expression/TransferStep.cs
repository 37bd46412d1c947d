using FaceClip.Core.Optimisation;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>One step of an expression transfer: each prompt's clamped blendshape weights [K, E], its weighted terms
/// [K] by name (critic, delta, sparsity, symmetry, range, prototype, antagonist, identity, total), the fitted-view
/// renders over the photo crop [K, 3, S, S] and posed heads [K, V, 3]; the objective is the sum over the prompts.</summary>
internal sealed record TransferStep(Tensor Weights, IReadOnlyList<(string Name, Tensor PerPrompt)> Terms, Tensor Composite, Tensor Posed) : IStepLoss
{
    public Tensor Objective => Terms[^1].PerPrompt.sum();

    /// <summary>Each term per prompt, on the CPU.</summary>
    public (string Name, float[] Values)[] Values() => Terms.Select(t => (t.Name, t.PerPrompt.detach().cpu().data<float>().ToArray())).ToArray();
}
