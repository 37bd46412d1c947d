using System.Text.Json.Serialization;

namespace FaceClip.Core.Reconstruction;

/// <summary><c>params.json</c> → one <c>loss_history</c> entry: one fit iteration's weighted loss terms, written as
/// one object <c>{"stage": ..., "&lt;term&gt;": value, ...}</c>.</summary>
/// <param name="Stage">The fit stage (pose, shape, full, detail).</param>
/// <param name="Losses">The weighted terms by name, in the order written.</param>
[JsonConverter(typeof(FitParametersLossEntryConverter))]
public sealed record FitParametersLossEntry(string Stage, IReadOnlyDictionary<string, double> Losses);
