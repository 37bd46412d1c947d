using System.Text.Json;
using System.Text.Json.Serialization;
using FaceClip.Core.Losses;

namespace FaceClip.Core.Expression;

/// <summary>The mapper's shape: how many blendshapes, the identity and prompt input sizes, the token width, heads and blocks.</summary>
/// <param name="Expressions">Blendshape weights in and offsets out (ICT-FaceKit: 53).</param>
/// <param name="IdentityInputs">The identity/appearance token's input (shape α and texture codes: 80 + 80).</param>
/// <param name="PromptInputs">The prompt embedding's size: 60 for the embedded critic (its reading: seven class probabilities, then a level per blendshape) or CLIP's text width.</param>
/// <param name="Width">Token width.</param>
/// <param name="Heads">Attention heads per block.</param>
/// <param name="Blocks">Transformer blocks (the paper's 3).</param>
/// <param name="Critic">The critic the prompt embedding comes from (<c>face</c> or <c>clip</c>); a mapper only reads its own kind.</param>
public sealed record ExpressionMapperConfig(int Expressions = 53, int IdentityInputs = 160, int PromptInputs = 60, int Width = 64, int Heads = 4,
    int Blocks = 3, CriticKind Critic = CriticKind.Face)
{
    private static readonly JsonSerializerOptions Json = new() { Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) } };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ExpressionMapperConfig FromJson(string json) =>
        JsonSerializer.Deserialize<ExpressionMapperConfig>(json, Json) ?? throw new InvalidDataException("The mapper's configuration is empty.");
}
