using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using FaceClip.TestSupport;
using FaceClip.Web.Hosting;
using FaceClip.Web.Jobs;
using Microsoft.Extensions.Options;

namespace FaceClip.Web.Tests.Hosting;

/// <summary>A job's progress plan is made before the models load: the provider tells from the model store whether a
/// regressor will start the fit, and so whether the landmark stages run.</summary>
public sealed class ReconstructorProviderScheduleTests
{
    [Fact]
    public void TheScheduleIsKnownBeforeTheModelsLoad()
    {
        using var provider = new ReconstructorProvider(ModelStore.Open(FaceClipWebFactory.RepositoryRoot, new ModelStoreOptions { Mirror = SharedAssets.Models }),
            new ComputeContext(TorchSharp.torch.CPU, 1, "cpu (test)"), Options.Create(new NodeOptions { Role = "web" }));
        // The checkout ships a regressor, so the default fit skips the shape stage.
        Assert.Equal(new FitSchedule(ReconstructionOptions.WarmPoseIterations, 0, 200, 0), provider.ScheduleOf(new ReconstructionOptions()));
        Assert.Equal(new FitSchedule(120, 120, 200, 0), provider.ScheduleOf(new ReconstructionOptions { Initialiser = FitInitialiser.Landmarks }));
        Assert.Equal(new FitSchedule(40, 30, 200, 0), provider.ScheduleOf(new ReconstructionOptions { PoseIterations = 40, ShapeIterations = 30 }));
        Assert.False(provider.IsLoaded);
    }
}
