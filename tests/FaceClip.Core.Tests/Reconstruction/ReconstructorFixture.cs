using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>One reconstructor for the class, and one short fit of the largest face of sample1.jpg.</summary>
public sealed class ReconstructorFixture : IDisposable
{
    public ReconstructorFixture()
    {
        var store = TestPaths.OpenStore();
        Reconstructor = new Reconstructor(FaceModel.Load(store), FacePipeline.Load(store));
        Options = ShortFit();
        Result = Reconstructor.ReconstructAsync(SamplePhoto, Options, p => Progress.Add(p)).GetAwaiter().GetResult();
    }

    public static string SamplePhoto => Path.Combine(TestPaths.SamplePhotos, "sample1.jpg");

    /// <summary>Few iterations: enough to prove the stages work together, fast on two cores.</summary>
    public static ReconstructionOptions ShortFit() => new()
    {
        PoseIterations = 80,
        ShapeIterations = 60,
        Iterations = 12,
        PreviewEvery = 4,
        TextureSize = 256,
    };

    public Reconstructor Reconstructor { get; }

    public ReconstructionOptions Options { get; }

    public ReconstructionResult Result { get; }

    public List<OptimisationProgress<ReconstructionResult>> Progress { get; } = [];

    public void Dispose()
    {
        Result.Dispose();
        Reconstructor.Model.Dispose();
        Reconstructor.Faces.Dispose();
        Reconstructor.Dispose();
    }
}
