using System.Text.Json;

namespace FaceClip.Core.Reconstruction;

/// <summary>The parameter regressor's architecture (stored in its weights file's metadata).</summary>
public sealed record RegressorConfig
{
    /// <summary>The pretrained trunk: <c>face</c>, the face-recognition network's convolutional layers up to its
    /// 128 x 8 x 8 stage (frozen). The only trunk implemented (see docs/refinement-module.md for ResNet-50).</summary>
    public string Backbone { get; init; } = "face";

    /// <summary>Channels of the projected features c' and of both branches.</summary>
    public int Width { get; init; } = 128;

    /// <summary>Depthwise-separable residual blocks in the local branch R.</summary>
    public int ResidualBlocks { get; init; } = 2;

    /// <summary>Transformer encoder layers in the global branch T.</summary>
    public int TransformerLayers { get; init; } = 2;

    /// <summary>Attention heads per transformer layer.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>Hidden units of the head.</summary>
    public int HeadHidden { get; init; } = 256;

    /// <summary>The refinement branches (R and T); off for the ablation: backbone, pooling and head only.</summary>
    public bool RefinementBranches { get; init; } = true;

    public string ToJson() => JsonSerializer.Serialize(this);

    public static RegressorConfig FromJson(string json) =>
        JsonSerializer.Deserialize<RegressorConfig>(json) ?? throw new InvalidDataException("The regressor configuration is empty.");

    public void Validate()
    {
        if (Backbone != "face")
        {
            throw new ArgumentException($"Unknown backbone '{Backbone}': only 'face' (the face-recognition trunk) is implemented.");
        }

        if (Width < 8 || Width % Heads != 0 || Heads < 1 || ResidualBlocks < 0 || TransformerLayers < 0 || HeadHidden < 8)
        {
            throw new ArgumentException("Width must be at least 8 and a multiple of Heads; block and layer counts cannot be negative.");
        }
    }
}
