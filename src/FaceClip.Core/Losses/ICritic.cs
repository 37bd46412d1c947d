namespace FaceClip.Core.Losses;

/// <summary>
/// A network that scores renders for an optimisation: the fit's feature-consistency critic
/// (<see cref="IFeatureCritic"/>) and the transfer's expression critic (<see cref="Expression.IExpressionCritic"/>)
/// are both critics, made by a <see cref="CriticSource{TCritic}"/> from a <see cref="CriticChoice"/>.
/// </summary>
public interface ICritic : IDisposable
{
    /// <summary>Which network runs.</summary>
    CriticKind Kind { get; }

    /// <summary>What ran, for reports (networks and layers).</summary>
    string Description { get; }
}
