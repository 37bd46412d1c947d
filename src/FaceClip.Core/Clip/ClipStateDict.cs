using static TorchSharp.torch;

namespace FaceClip.Core.Clip;

/// <summary>Brings CLIP state dicts from different writers to OpenAI's key names and to float32.</summary>
public static class ClipStateDict
{
    private static readonly string[] TextTowerKeys = ["transformer.", "token_embedding.", "positional_embedding", "ln_final.", "text_projection"];

    /// <summary>
    /// Strips a <c>module.</c> prefix (DataParallel), maps open_clip's custom-text-tower names (<c>text.transformer.*</c>,
    /// <c>text.token_embedding.*</c>, ...) to OpenAI's, and converts floating tensors to float32. open_clip's standard
    /// models already use OpenAI's names. The tensors returned are new or the inputs themselves (float32 inputs).
    /// </summary>
    public static Dictionary<string, Tensor> Normalize(IReadOnlyDictionary<string, Tensor> stateDict)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var stripModule = stateDict.Count > 0 && stateDict.Keys.All(k => k.StartsWith("module.", StringComparison.Ordinal));
        foreach (var (rawKey, value) in stateDict)
        {
            var key = stripModule ? rawKey["module.".Length..] : rawKey;
            if (key.StartsWith("text.", StringComparison.Ordinal) && TextTowerKeys.Any(t => key.AsSpan(5).StartsWith(t, StringComparison.Ordinal)))
            {
                key = key[5..];
            }

            result[key] = value.is_floating_point() && value.dtype != ScalarType.Float32 ? value.to(ScalarType.Float32) : value;
        }

        return result;
    }
}
