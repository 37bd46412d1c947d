namespace FaceClip.Core.Reconstruction;

/// <summary>Where a fit starts.</summary>
public enum FitInitialiser
{
    /// <summary>The regressor's prediction when trained weights are installed, else <see cref="Landmarks"/>.</summary>
    Auto,

    /// <summary>The parameter regressor's prediction (an error when none is installed).</summary>
    Regressor,

    /// <summary>Zero codes placed from the landmarks.</summary>
    Landmarks,
}
