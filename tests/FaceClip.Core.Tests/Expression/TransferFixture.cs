using FaceClip.Core.Expression;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Tests.Reconstruction;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Expression;

/// <summary>One short reconstruction of sample2.jpg and one short transfer of two prompts onto it.</summary>
public sealed class TransferFixture : IDisposable
{
    public static readonly string[] Prompts = ["very sad", "surprised"];

    public TransferFixture()
    {
        var store = TestPaths.OpenStore();
        Reconstructor = new Reconstructor(FaceModel.Load(store), FacePipeline.Load(store));
        var fit = ReconstructorFixture.ShortFit();
        fit.PreviewEvery = 0;
        Reconstruction = Reconstructor.ReconstructAsync(PhotoPath, fit).GetAwaiter().GetResult();
        Transfer = new ExpressionTransfer(Reconstructor.Model, Reconstructor.Faces);
        Subject = TransferSubject.FromReconstruction(Reconstruction, FaceImage.Load(PhotoPath), "sample2.jpg");
        // One fixed view per step (no augmentation): the single-view path; TransferViewTests covers several views.
        Options = new TransferOptions { Iterations = 40, PreviewEvery = 8, Critic = CriticChoice.Face, LearningRate = 2e-3, Views = 1, ViewJitter = 0, PitchJitter = 0, LightFlip = 0, CropJitter = 0 };
        Result = Transfer.TransferAsync(Subject, Prompts, Options, report: p => Progress.Add(p)).GetAwaiter().GetResult();
    }

    public static string PhotoPath => Path.Combine(TestPaths.SamplePhotos, "sample2.jpg");

    public Reconstructor Reconstructor { get; }

    public ReconstructionResult Reconstruction { get; }

    public ExpressionTransfer Transfer { get; }

    public TransferSubject Subject { get; }

    public TransferOptions Options { get; }

    public TransferResult Result { get; }

    public List<OptimisationProgress<TransferResult>> Progress { get; } = [];

    public void Dispose()
    {
        Result.Dispose();
        Subject.Dispose();
        Transfer.Dispose();
        Reconstruction.Dispose();
        Reconstructor.Model.Dispose();
        Reconstructor.Faces.Dispose();
        Reconstructor.Dispose();
    }
}
