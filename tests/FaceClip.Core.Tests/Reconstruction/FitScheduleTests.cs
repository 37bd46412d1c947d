using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Runtime;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

/// <summary>How many iterations each stage runs: the landmark stages start a cold fit; from a regressor the fit aligns
/// the pose briefly and goes on to the full stage, unless the landmark stages are set.</summary>
public sealed class FitScheduleTests
{
    [Fact]
    public void AColdStartRunsTheLandmarkStages()
    {
        var o = new ReconstructionOptions();
        Assert.Equal(new FitSchedule(ReconstructionOptions.ColdPoseIterations, ReconstructionOptions.ColdShapeIterations, o.Iterations, 0),
            o.ScheduleFor(regressorInstalled: false));
        o.Initialiser = FitInitialiser.Landmarks;
        Assert.Equal(new FitSchedule(120, 120, 200, 0), o.ScheduleFor(regressorInstalled: true));
    }

    [Fact]
    public void FromTheRegressorTheFitSkipsTheShapeStage()
    {
        var o = new ReconstructionOptions();
        Assert.Equal(new FitSchedule(ReconstructionOptions.WarmPoseIterations, 0, 200, 0), o.ScheduleFor(regressorInstalled: true));
        Assert.Equal(30, ReconstructionOptions.WarmPoseIterations);
        o.Initialiser = FitInitialiser.Regressor;
        Assert.Equal(new FitSchedule(30, 0, 200, 0), o.ScheduleFor(regressorInstalled: false));
    }

    [Fact]
    public void StagesThatAreSetRunWhateverTheStart()
    {
        var o = new ReconstructionOptions { PoseIterations = 30, ShapeIterations = 0, Iterations = 80, DetailPass = true, DetailIterations = 7 };
        foreach (var installed in new[] { false, true })
        {
            var s = o.ScheduleFor(installed);
            Assert.Equal(new FitSchedule(30, 0, 80, 7), s);
            Assert.Equal(117, s.Total);
        }

        o.DetailPass = false;
        Assert.Equal(0, o.ScheduleFor(true).Detail);
        o.PoseIterations = -1;
        Assert.Throws<ArgumentException>(o.Validate);
    }

    [Fact]
    public async Task AFitFromTheShippedRegressorSkipsTheShapeStageAndItsBarReachesTheEnd()
    {
        using var reconstructor = Reconstructor.Load(TestPaths.OpenStore(), CPU);
        try
        {
            Assert.NotNull(reconstructor.Regressor);
            var photo = Path.Combine(TestPaths.SamplePhotos, "sample1.jpg");
            var options = new ReconstructionOptions { Iterations = 6, PreviewEvery = 0, TextureSize = 64 };
            Assert.Equal(new FitSchedule(30, 0, 6, 0), reconstructor.ScheduleOf(options));
            var steps = new List<OptimisationProgress<ReconstructionResult>>();
            using (var result = await reconstructor.ReconstructAsync(photo, options, steps.Add))
            {
                Assert.Equal(FitInitialiser.Regressor, result.Initialiser);
                // The timings name the stages that ran, not the skipped one.
                Assert.Contains("pose", result.Timings.Keys);
                Assert.Contains("full", result.Timings.Keys);
                Assert.DoesNotContain("shape", result.Timings.Keys);
            }

            var stages = steps.Where(p => p.Stage != OptimisationStage.Done).GroupBy(p => p.Stage).ToDictionary(g => g.Key, g => g.Max(p => p.Iteration));
            Assert.Equal(new Dictionary<OptimisationStage, int> { [OptimisationStage.Pose] = 30, [OptimisationStage.Full] = 6 }, stages);
            var last = steps.Last(p => p.Stage == OptimisationStage.Full);
            Assert.Equal(1, last.Fraction, 6);

            // Set, the landmark stages run as set from the regressor too.
            options.PoseIterations = 0;
            options.ShapeIterations = 5;
            steps.Clear();
            using (var result = await reconstructor.ReconstructAsync(photo, options, steps.Add))
            {
                Assert.Contains("shape", result.Timings.Keys);
                Assert.DoesNotContain("pose", result.Timings.Keys);
            }

            Assert.Equal(5, steps.Where(p => p.Stage == OptimisationStage.Shape).Max(p => p.Iteration));
            Assert.DoesNotContain(steps, p => p.Stage == OptimisationStage.Pose);
        }
        finally
        {
            reconstructor.Model.Dispose();
            reconstructor.Faces.Dispose();
        }
    }
}
