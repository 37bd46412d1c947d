using FaceClip.Core.Geometry;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Reconstruction;

/// <summary>Where a fit starts: the parameter regressor's prediction when one is installed, else zero codes placed
/// from the landmarks.</summary>
public sealed partial class Reconstructor
{
    /// <summary>The file a regressor you trained is installed as, under the models folder (<c>faceclip train</c>'s
    /// default output); it is preferred to the shipped one.</summary>
    public const string RegressorFileName = "regressor.safetensors";

    /// <summary>The manifest's asset of the shipped regressor (trained on synthetic faces by
    /// <c>faceclip models build-regressor</c>), file <see cref="RegressorFileName"/> in its folder.</summary>
    public const string RegressorAsset = "regressor";

    /// <summary>The parameter regressor used as the initialiser (null: none installed). The reconstructor owns it.</summary>
    public ParameterRegressor? Regressor
    {
        get => _regressor;
        set
        {
            _regressor = value;
            RegressorFile = null;
        }
    }

    private ParameterRegressor? _regressor;

    /// <summary>The file <see cref="Regressor"/> was loaded from (null: none, or set in code).</summary>
    public string? RegressorFile { get; private set; }

    /// <summary>Where a regressor you train is installed (<c>models/regressor.safetensors</c>).</summary>
    public static string RegressorPath(ModelStore store) => Path.Combine(store.ModelsDirectory, RegressorFileName);

    /// <summary>The regressor fits start from under <see cref="FitInitialiser.Auto"/>: yours
    /// (<see cref="RegressorPath"/>) when present, else the shipped asset when it is there and verifies, else none.</summary>
    public static string? InstalledRegressor(ModelStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var yours = RegressorPath(store);
        if (File.Exists(yours))
        {
            return yours;
        }

        return store.Manifest.Find(RegressorAsset) is not null && store.GetStatus(RegressorAsset) is { Found: true } shipped
            ? shipped.PathOf(RegressorFileName)
            : null;
    }

    private void LoadInstalledRegressor(ModelStore store)
    {
        if (InstalledRegressor(store) is { } path)
        {
            LoadRegressor(path);
        }
    }

    /// <summary>Loads the regressor at <paramref name="path"/> over this reconstructor's recognition network.</summary>
    public void LoadRegressor(string path)
    {
        Regressor?.Dispose();
        Regressor = ParameterRegressor.Load(path, Faces.RecognitionNet, Model.Layout, Model.Device);
        RegressorFile = path;
    }

    private (FitInitialiser Initialiser, FaceCodes Codes) InitialCodes(Tensor photo, Tensor target, PerspectiveCamera camera, ReconstructionOptions o)
    {
        var useRegressor = o.Initialiser switch
        {
            FitInitialiser.Regressor => Regressor ?? throw new ReconstructionException(
                $"No parameter regressor is installed (neither {RegressorFileName} in the models folder nor the shipped asset '{RegressorAsset}'). Train one with `faceclip train`, or use --initialiser landmarks."),
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
