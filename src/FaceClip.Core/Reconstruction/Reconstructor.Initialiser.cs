using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>Where a fit starts: the parameter regressor's prediction when one is installed, else zero codes placed
/// from the landmarks.</summary>
public sealed partial class Reconstructor
{
    /// <summary>The file the trained regressor is installed as, under the models folder.</summary>
    public const string RegressorFileName = "regressor.safetensors";

    /// <summary>The parameter regressor used as the initialiser (null: none installed). The reconstructor owns it.</summary>
    public ParameterRegressor? Regressor { get; set; }

    /// <summary>Where the trained regressor is installed (<c>models/regressor.safetensors</c>).</summary>
    public static string RegressorPath(ModelStore store) => Path.Combine(store.ModelsDirectory, RegressorFileName);

    private void LoadInstalledRegressor(ModelStore store)
    {
        var path = RegressorPath(store);
        if (File.Exists(path))
        {
            LoadRegressor(path);
        }
    }

    /// <summary>Loads the installed regressor (if any) over this reconstructor's recognition network.</summary>
    public void LoadRegressor(string path)
    {
        Regressor?.Dispose();
        Regressor = ParameterRegressor.Load(path, Faces.RecognitionNet, Model.Layout, Model.Device);
    }

    private (FitInitialiser Initialiser, FaceCodes Codes) InitialCodes(Tensor photo, Tensor target, PerspectiveCamera camera, ReconstructionOptions o)
    {
        var useRegressor = o.Initialiser switch
        {
            FitInitialiser.Regressor => Regressor ?? throw new ReconstructionException(
                $"No parameter regressor is installed ({RegressorFileName} in the models folder). Train one with `faceclip train`, or use --initialiser landmarks."),
            FitInitialiser.Auto => Regressor,
            _ => null,
        };
        if (useRegressor is not null)
        {
            using var noGrad = no_grad();
            useRegressor.eval();
            var codes = useRegressor.forward(photo).detach();
            return (FitInitialiser.Regressor, Model.SplitCodes(codes));
        }

        var device = Model.Device;
        var layout = Model.Layout;
        return (FitInitialiser.Landmarks, new FaceCodes(
            zeros(1, layout.Shape, device: device),
            zeros(1, layout.Expression, device: device),
            zeros(1, layout.Texture, device: device),
            zeros(1, FaceCodeLayout.Rotation, device: device),
            InitialTranslation(target, camera),
            zeros(1, FaceCodeLayout.Lighting, device: device)));
    }
}
