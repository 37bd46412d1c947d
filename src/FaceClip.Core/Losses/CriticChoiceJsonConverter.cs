using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceClip.Core.Losses;

/// <summary>Writes a <see cref="CriticChoice"/> as its lower-case name (<c>auto</c>, <c>clip</c>, <c>face</c>) and
/// reads any case.</summary>
public sealed class CriticChoiceJsonConverter() : JsonStringEnumConverter<CriticChoice>(JsonNamingPolicy.CamelCase, allowIntegerValues: false);
