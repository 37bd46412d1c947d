using FaceClip.Core.Evaluation.Synthetic;
using FaceClip.Core.Geometry;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Tests.Evaluation.Synthetic;
using FaceClip.TestSupport;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class SyntheticTrainingSetTests(SyntheticBenchFixture fixture) : IClassFixture<SyntheticBenchFixture>, IDisposable
{
    private const int Faces = 8;
    private readonly string _corpus = Directory.CreateTempSubdirectory("faceclip-training-set-").FullName;

    public void Dispose() => Directory.Delete(_corpus, recursive: true);

    private (ParameterRegressor Regressor, SyntheticTrainingSet Set) Build(RegressorTrainingOptions o)
    {
        var data = fixture.Reconstructor.Model.Data;
        new SyntheticCorpus(data, fixture.Reconstructor.Model.Layout.Shape, SyntheticScene.Corpus with { ImageSize = 160 }, supersampling: 1).Write(_corpus, Faces, seed: 2);
        var regressor = new RegressorTrainer(fixture.Reconstructor).NewRegressor(o);
        return (regressor, SyntheticTrainingSet.Build(fixture.Reconstructor, regressor, _corpus, 224, 1.7, seed: 1));
    }

    [Fact]
    public void TheTargetsAreThePhotosTruthInTheCropAndTheLossIsZeroOnlyAtTheTrueCodes()
    {
        var (regressor, set) = Build(new RegressorTrainingOptions());
        using (regressor)
        using (set)
        {
            Assert.Equal(Faces, set.Count);
            Assert.Equal([Faces, 128, 8, 8], set.Features.shape);
            var (_, labels) = SyntheticCorpus.Read(_corpus);

            // The landmark vertices' targets are the photo's own landmarks (inner face: 17-67; the photo's jaw line is
            // on the silhouette) mapped into a crop round them: their spread, relative to the crop, matches.
            for (var i = 0; i < Faces; i++)
            {
                var points = set.Points[i].narrow(0, 17, 51);
                var photo = labels[i].Landmarks[17..].Select(p => p[0]).ToArray();
                var ratio = (points.select(1, 0).max().item<float>() - points.select(1, 0).min().item<float>()) / (photo.Max() - photo.Min());
                // The crop's side is 1.7 x the landmarks' extent (jittered): the inner face spans a stable share of it.
                var share = ratio * (photo.Max() - photo.Min()) / 224;
                Assert.InRange(share, 0.15, 0.7);
                Assert.True(points.min().item<float>() > 0 && points.max().item<float>() < 224, $"face {i}: its landmarks leave the crop");
            }

            // At the true identity and expression every code and 3D term is zero; a wrong code is not.
            using var ids = arange(0, Faces, dtype: ScalarType.Int64);
            var layout = regressor.Layout;
            using var truth = cat([set.Shape, set.Expression, zeros(Faces, layout.Texture), zeros(Faces, 3), zeros(Faces, 3), zeros(Faces, FaceCodeLayout.Lighting)], 1);
            var exact = set.Loss(layout.Split(truth), ids).Values();
            Assert.True(exact["vertices"] < 1e-3 && exact["shape"] < 1e-9 && exact["expression"] < 1e-9, string.Join(", ", exact));
            using var wrong = truth.clone();
            wrong.narrow(1, layout.ShapeOffset, 1).add_(1.0);
            var off = set.Loss(layout.Split(wrong), ids).Values();
            Assert.True(off["vertices"] > 0.1 && off["shape"] > 0.005, string.Join(", ", off));
        }
    }

    [Fact]
    public void SupervisedTrainingLowersTheReprojectionAndVertexErrorsOfItsFaces()
    {
        var o = new RegressorTrainingOptions { SyntheticBatches = 40, SyntheticBatchSize = 8, SyntheticLearningRate = 2e-3, SyntheticHeldOut = 0.25 };
        var (regressor, set) = Build(o);
        using (set)
        {
            using var training = arange(0, Faces - 2, dtype: ScalarType.Int64);
            var before = RegressorTrainer.Evaluate(regressor, set, training);
            var (trained, history, heldBefore, heldAfter) = new RegressorTrainer(fixture.Reconstructor).TrainSynthetic(regressor, set, null, o);
            using (trained)
            {
                var after = RegressorTrainer.Evaluate(trained, set, training);
                Assert.Equal(40, history.Count);
                Assert.True(after["points"] < 0.7 * before["points"], $"points {before["points"]:F2} -> {after["points"]:F2}");
                Assert.True(after["total"] < before["total"], $"total {before["total"]:F3} -> {after["total"]:F3}");
                Assert.Equal(["expression", "points", "shape", "total", "vertices"], heldAfter.Keys.Order());
                Assert.NotEqual(heldBefore["points"], heldAfter["points"]);
            }
        }
    }

    [Fact]
    public void AResumedSupervisedRunContinuesFromItsCheckpointWithTheBatchesOfAnUnbrokenRun()
    {
        RegressorTrainingOptions Options(int batches, bool resume = false) => new()
        {
            SyntheticBatches = batches, SyntheticBatchSize = 4, SyntheticLearningRate = 2e-3, SyntheticHeldOut = 0.25, SyntheticCheckpointEvery = 2, Resume = resume,
        };
        var (regressor, set) = Build(Options(6));
        using var cleanup = TempFolder.Create("faceclip-resume-", out var folder);
        using (set)
        {
            var trainer = new RegressorTrainer(fixture.Reconstructor);
            var (_, unbroken, _, _) = trainer.TrainSynthetic(regressor, set, null, Options(6));
            regressor.Dispose();

            var path = Path.Combine(folder, "r.safetensors");
            using (var part = trainer.NewRegressor(Options(6)))
            {
                trainer.TrainSynthetic(part, set, path, Options(3));
            }

            Assert.True(File.Exists(RegressorTrainer.CheckpointPath(path)));
            using var resumedNet = trainer.NewRegressor(Options(6));
            var (_, resumed, _, _) = trainer.TrainSynthetic(resumedNet, set, path, Options(6, resume: true));
            Assert.Equal([4, 5, 6], resumed.Select(p => p.Iteration));
            // Batch 4 is the same faces seen by the same weights (those after batch 3), so its loss is the unbroken run's.
            Assert.Equal(unbroken[3].Losses["total"], resumed[0].Losses["total"], 5);
            Assert.NotEqual(unbroken[0].Losses["total"], resumed[0].Losses["total"], 3);
            var log = File.ReadAllLines(RegressorTrainer.LogPath(path));
            Assert.Equal(7, log.Length);
            Assert.Equal(["1", "2", "3", "4", "5", "6"], log.Skip(1).Select(l => l.Split(',')[0]));
        }
    }
}
