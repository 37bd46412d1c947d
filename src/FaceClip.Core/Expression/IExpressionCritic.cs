using FaceClip.Core.Losses;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// Scores renders against prompts for the expression transfer: CLIP's text loss when its weights are installed, else
/// the embedded face-api expression critic. A critic embeds the prompts once (the mapper's prompt token) and then
/// gives one loss per render.
/// </summary>
public interface IExpressionCritic : ICritic
{
    /// <summary>The prompt embedding's size (the mapper's prompt input).</summary>
    int PromptDimensions { get; }

    /// <summary>Reads the prompts (throws <see cref="ExpressionPromptException"/> for one it cannot read) and returns
    /// their embeddings [K, PromptDimensions], detached.</summary>
    Tensor EmbedPrompts(IReadOnlyList<string> prompts);

    /// <summary>The embedded critic's reading of each prompt, or null (CLIP reads any text).</summary>
    IReadOnlyList<ExpressionTarget>? Targets { get; }

    /// <summary>One loss per render [N] for renders composited over the photo crop [N, 3, S, S] in [0, 1], with each
    /// render's expression crop (face-api's padded landmark box, crop pixels). N is a multiple of the K prompts: render
    /// n shows prompt n mod K (several views of each prompt, view-major).</summary>
    Tensor Loss(Tensor composites01, IReadOnlyList<FaceBox> expressionBoxes);

    /// <summary>The regulariser's prior for each prompt embedded last (request order), over the face model's
    /// blendshapes: the critic supplies its own plausibility terms.</summary>
    IReadOnlyList<ExpressionPrior> Priors(IReadOnlyList<string> blendshapeNames, TransferOptions options);
}

/// <summary>How many views of each prompt a batch of renders holds.</summary>
internal static class ExpressionCriticViews
{
    public static int Count(Tensor renders, Tensor perPrompt)
    {
        var (n, k) = (renders.shape[0], perPrompt.shape[0]);
        if (k == 0 || n % k != 0)
        {
            throw new ArgumentException($"{n} renders for {k} prompts: expected a whole number of views per prompt.");
        }

        return (int)(n / k);
    }
}
