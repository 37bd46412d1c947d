using FaceClip.Core.Losses;
namespace FaceClip.Core.Reconstruction;

/// <summary>Everything the fit can be told. Bound from the <c>Reconstruction</c> section of appsettings.json and
/// overridden by CLI flags. Defaults follow the paper (loss weights) and Deep3DFaceRecon (landmark weighting).</summary>
public sealed class ReconstructionOptions
{
    public const string SectionName = "Reconstruction";

    /// <summary>Which detected face to fit; null: the largest.</summary>
    public int? FaceIndex { get; set; }

    /// <summary>Faces whose detection box is smaller than this (pixels, the shorter side) are refused. 40: the
    /// smallest face the detector is built to find (<see cref="Vision.FaceDetector.SmallestFace"/>), and the 68
    /// landmarks stay usable there: with the real-landmarks photos shrunk until the face's landmark box is 128, 64, 48,
    /// 40 and 32 pixels wide, the detector's median NME over √(box area) was 3.45%, 3.12%, 3.58%, 3.64% and 3.83% on the
    /// faces it found (docs/landmarks.md).</summary>
    public int MinimumFaceSize { get; set; } = 40;

    /// <summary>Side of the aligned crop the fit works on (the paper's 224).</summary>
    public int CropSize { get; set; } = 224;

    /// <summary>Crop side as a multiple of the landmarks' extent.</summary>
    public double CropScale { get; set; } = 1.7;

    /// <summary>Iterations of the first stage, pose from landmarks; null: the start's default
    /// (<see cref="ScheduleFor"/>: <see cref="ColdPoseIterations"/> from the landmarks, <see cref="WarmPoseIterations"/>
    /// from the regressor).</summary>
    public int? PoseIterations { get; set; }

    /// <summary>Iterations of the second stage, shape and expression from landmarks, with pose; null: the start's
    /// default (<see cref="ColdShapeIterations"/> from the landmarks, none from the regressor).</summary>
    public int? ShapeIterations { get; set; }

    /// <summary>The pose stage's iterations from a cold start (zero codes placed from the landmarks).</summary>
    public const int ColdPoseIterations = 120;

    /// <summary>The shape stage's iterations from a cold start.</summary>
    public const int ColdShapeIterations = 120;

    /// <summary>The pose stage's iterations from the regressor's start: a short alignment to the detected points before
    /// the full stage (it brought the fit closer to people's annotation on photos, 3.45 against 3.56 % median box
    /// NME, at the same 3D error on synthetic faces); the shape stage does not run from it.</summary>
    public const int WarmPoseIterations = 30;

    /// <summary>Iterations of the last stage: every code, all losses.</summary>
    public int Iterations { get; set; } = 200;

    /// <summary>Auto (CLIP when its weights are installed, else the face-recognition critic), CLIP or the face critic.</summary>
    public CriticChoice Critic { get; set; } = CriticChoice.Auto;

    /// <summary>Photometric loss weight (paper: 1).</summary>
    public double PhotoWeight { get; set; } = 1.0;

    /// <summary>Identity loss weight (paper: 2).</summary>
    public double IdentityWeight { get; set; } = 2.0;

    /// <summary>
    /// Standard deviation of a detected landmark's error, in pixels of a 224-pixel crop, per axis (the typical
    /// landmark; the jaw line and brows are noisier, <see cref="LandmarkLoss.NoiseScales"/>). With the priors of
    /// <see cref="CodeRegularization.Prior"/> this makes the landmark stages a maximum a-posteriori fit: the landmark
    /// term's weight is 68 · <see cref="RegularizationWeight"/> / σ² (<see cref="EffectiveLandmarkWeight"/>). 3 px
    /// is about 2.5 % of the face's size in the crop, the error of a good 68-point detector against people's
    /// annotation.
    /// </summary>
    public double LandmarkNoise { get; set; } = 3.0;

    /// <summary>An explicit landmark weight for squared distances in crop pixels, summed and divided by 68 (the units
    /// of the paper's 1.7e-3); null: derived from <see cref="LandmarkNoise"/>.</summary>
    public double? LandmarkWeight { get; set; }

    /// <summary>The landmark term's weight: <see cref="LandmarkWeight"/> or, by default, the MAP weight
    /// 68 · <see cref="RegularizationWeight"/> / σ², σ = <see cref="LandmarkNoise"/> scaled to the crop size.</summary>
    public double EffectiveLandmarkWeight
    {
        get
        {
            if (LandmarkWeight is { } explicitWeight)
            {
                return explicitWeight;
            }

            var sigma = LandmarkNoise * CropSize / 224.0;
            return 68 * RegularizationWeight / (sigma * sigma);
        }
    }

    /// <summary>Fit MediaPipe's dense landmarks too (Face Mesh's points off the silhouette and the iris centres, through
    /// <see cref="Geometry.DenseLandmarkMap"/>), with a robust term (<see cref="Losses.DenseLandmarkLoss"/>); the 68
    /// points stay, and their jaw line follows the silhouette. Needs the <c>mediapipe-face</c> asset.</summary>
    public bool DenseLandmarks { get; set; }

    /// <summary>Noise scale of a dense landmark in pixels of a 224-pixel crop (the Cauchy scale of
    /// <see cref="Losses.DenseLandmarkLoss"/>). 2 px: the map's points on the true geometry lie 2.8% of the outer-eye
    /// distance from Face Mesh's on synthetic photographs (docs/dense-landmarks.md), about 2 px in the crop.</summary>
    public double DenseLandmarkNoise { get; set; } = 2.0;

    /// <summary>How many independent landmarks the dense points together count as in the posterior (they come from one
    /// network reading one crop, so their errors are shared).</summary>
    public double DenseIndependentPoints { get; set; } = 68;

    /// <summary>Fit Face Mesh's face-oval points too: the jaw's as points sliding along the silhouette
    /// (<see cref="DenseSilhouette"/>), the chin's and the forehead's as fixed places on the skin. Off by default: it
    /// did not make the fit better (docs/dense-landmarks.md); without it the face oval is left out and only the
    /// 68-point jaw line follows the outline.</summary>
    public bool DenseSilhouette { get; set; }

    /// <summary>Include the iris centres in the dense term.</summary>
    public bool DenseIrises { get; set; } = true;

    /// <summary>Mean of the exponential prior on each expression weight (<see cref="CodeRegularization.Prior"/>): most
    /// blendshapes of a face are at 0, a few are active.</summary>
    public double ExpressionScale { get; set; } = 0.25;

    /// <summary>Weight of the posterior (the codes' prior, <see cref="CodeRegularization.Prior"/>, and with it the
    /// landmark term, <see cref="EffectiveLandmarkWeight"/>) against the appearance terms of the full stage. The paper's
    /// 1e-4 is for a network trained over a dataset; in a per-photo fit the photometric and recognition terms then
    /// bent the shape (3D error 0.90x the mean face's on synthetic faces, against 0.76x at 1e-3; docs/reconstruction.md).</summary>
    public double RegularizationWeight { get; set; } = 1e-3;

    /// <summary>Feature consistency loss weight (paper: 2).</summary>
    public double ConsistencyWeight { get; set; } = 2.0;

    /// <summary>Weight of the lighting regulariser that keeps the light close to white (Deep3DFaceRecon's gamma loss,
    /// weight 10): without it the albedo and a coloured light trade off and faces turn green or blue.</summary>
    public double LightingWeight { get; set; } = 10.0;

    /// <summary>Learning rate of the pose (rotation, translation) in the full stage relative to <see cref="LearningRate"/>.</summary>
    public double PoseRate { get; set; } = 0.2;

    /// <summary>Learning rate of the identity code in the full stage relative to <see cref="LearningRate"/> (0: the
    /// photometric, identity and consistency terms leave the 3D shape as the landmark stages fitted it).</summary>
    public double ShapeRate { get; set; } = 1.0;

    /// <summary>Learning rate of the expression code in the full stage relative to <see cref="LearningRate"/>: the
    /// landmark stages fit the expression; the appearance terms refine it slowly (at 1 they traded expression for
    /// identity: a sad face's brows went wrong, expression error 3.1 mm against 1.1 mm).</summary>
    public double ExpressionRate { get; set; } = 0.3;

    /// <summary>Adam learning rate of the codes in the full stage.</summary>
    public double LearningRate { get; set; } = 0.01;

    /// <summary>Report a preview render and the vertex positions every this many iterations (0: never).</summary>
    public int PreviewEvery { get; set; } = 10;

    /// <summary>Side of the preview renders in progress reports.</summary>
    public int PreviewSize { get; set; } = 160;

    /// <summary>Side of one cell of the UV texture atlas written with the mesh (the atlas is 4 x 2 cells; the face
    /// has one cell).</summary>
    public int TextureSize { get; set; } = 512;

    /// <summary>Keep the baked texture to the subject's skin and off the photo's expression (<see cref="TextureCleaning"/>):
    /// hair, background and the folds the fitted expression made take the subject's skin tone, so the face reads as
    /// whatever expression it is given later. False: the photo as it projects, everywhere it was seen.</summary>
    public bool CleanTexture { get; set; } = true;

    /// <summary>After the fit, refine a UV displacement map shown by normal mapping (the paper's geometric details;
    /// <see cref="DisplacementMap"/>) against the photo's fine shading. The codes stay fixed while it runs.</summary>
    public bool DetailPass { get; set; }

    /// <summary>Iterations of the detail pass.</summary>
    public int DetailIterations { get; set; } = 60;

    /// <summary>With the detail pass, also export the front face split <see cref="DenseDetailLevels"/> times and
    /// displaced by the map, as geometry (<c>mesh-dense.obj</c>, <c>mesh-dense.ply</c>).</summary>
    public bool DenseDetailMesh { get; set; }

    /// <summary>Halvings of the dense mesh's triangles (3: a 64th of a model triangle, about 0.6 million vertices).</summary>
    public int DenseDetailLevels { get; set; } = 3;

    /// <summary>Side of the crop the detail pass works on (the fit's framing; at least <see cref="CropSize"/>).</summary>
    public int DetailCropSize { get; set; } = 224;

    /// <summary>Side of the displacement map over the face's UV tile, in texels.</summary>
    public int DetailResolution { get; set; } = 256;

    /// <summary>Adam learning rate of the displacement map (centimetres per step, roughly).</summary>
    public double DetailLearningRate { get; set; } = 0.002;

    /// <summary>Weight of the map's mean squared Laplacian (smooth details).</summary>
    public double DetailSmoothnessWeight { get; set; } = 500;

    /// <summary>Weight of the mean squared displacement in cm² (small details, none where nothing asks for them).</summary>
    public double DetailMagnitudeWeight { get; set; } = 1;

    /// <summary>The detail pass sees the photometric residual's frequencies above a Gaussian of this many pixels of a
    /// 224-pixel crop (<see cref="Losses.DetailPhotometricLoss"/>): coarser differences are the coarse fit's.</summary>
    public double DetailBand { get; set; } = 4;

    /// <summary>Where the fit starts: <c>auto</c> (the parameter regressor's prediction when trained weights are
    /// installed, else landmarks), <c>regressor</c> or <c>landmarks</c> (zero codes placed from the landmarks).</summary>
    public FitInitialiser Initialiser { get; set; } = FitInitialiser.Auto;

    /// <summary>
    /// How many iterations each stage runs, given whether a trained regressor is installed (what
    /// <see cref="FitInitialiser.Auto"/> starts from). The landmark stages bring a cold start near the face; a
    /// regressor's start is already nearer in 3D than the shape stage leads (it fits the shape to the detector's noisy
    /// points alone), so from it the fit aligns the pose briefly and goes on to the full stage, unless
    /// <see cref="PoseIterations"/> or <see cref="ShapeIterations"/> are set. Measured with <c>faceclip bench synthetic</c> and
    /// <c>bench landmarks</c> (docs/refinement-module.md, "the warm start's schedule").
    /// </summary>
    public FitSchedule ScheduleFor(bool regressorInstalled)
    {
        var warm = Initialiser switch
        {
            FitInitialiser.Landmarks => false,
            FitInitialiser.Regressor => true,
            _ => regressorInstalled,
        };
        return new FitSchedule(
            PoseIterations ?? (warm ? WarmPoseIterations : ColdPoseIterations),
            ShapeIterations ?? (warm ? 0 : ColdShapeIterations),
            Iterations,
            DetailPass ? DetailIterations : 0);
    }

    /// <summary>A copy to adjust per request without touching the configured defaults.</summary>
    public ReconstructionOptions Clone() => (ReconstructionOptions)MemberwiseClone();

    /// <summary>Checks the options and says what is wrong.</summary>
    public void Validate()
    {
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                throw new ArgumentException(message);
            }
        }

        Require(CropSize is >= 64 and <= 1024, "CropSize must be 64..1024.");
        Require(CropScale is > 1 and < 4, "CropScale must be between 1 and 4.");
        Require((PoseIterations is null or >= 0) && (ShapeIterations is null or >= 0) && Iterations >= 0, "Iterations cannot be negative.");
        Require(Enum.IsDefined(Critic), "Critic must be auto, clip or face.");
        Require(Enum.IsDefined(Initialiser), "Initialiser must be auto, regressor or landmarks.");
        Require(LearningRate > 0, "LearningRate must be positive.");
        Require(ShapeRate >= 0 && ExpressionRate >= 0, "ShapeRate and ExpressionRate cannot be negative.");
        Require(LandmarkNoise > 0, "LandmarkNoise must be positive.");
        Require(LandmarkWeight is null or >= 0, "LandmarkWeight cannot be negative.");
        Require(ExpressionScale > 0, "ExpressionScale must be positive.");
        Require(FaceIndex is null or >= 0, "FaceIndex cannot be negative.");
        Require(DetailIterations >= 0, "DetailIterations cannot be negative.");
        Require(DetailResolution is >= 8 and <= 2048, "DetailResolution must be 8..2048.");
        Require(DetailLearningRate > 0, "DetailLearningRate must be positive.");
        Require(DetailSmoothnessWeight >= 0 && DetailMagnitudeWeight >= 0, "Detail weights cannot be negative.");
        Require(DetailBand > 0, "DetailBand must be positive.");
        Require(DetailCropSize is >= 64 and <= 1024, "DetailCropSize must be 64..1024.");
        Require(DenseDetailLevels is >= 0 and <= 4, "DenseDetailLevels must be 0..4.");
    }
}

/// <summary>The iterations of each stage of one fit (<see cref="ReconstructionOptions.ScheduleFor"/>).</summary>
/// <param name="Pose">Pose from landmarks.</param>
/// <param name="Shape">Shape and expression from landmarks, with pose.</param>
/// <param name="Full">Every code, all losses.</param>
/// <param name="Detail">The detail pass (0 when it is off).</param>
public sealed record FitSchedule(int Pose, int Shape, int Full, int Detail)
{
    /// <summary>Every stage's iterations together.</summary>
    public int Total => Pose + Shape + Full + Detail;
}
