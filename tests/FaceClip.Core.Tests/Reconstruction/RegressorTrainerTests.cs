using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using FaceClip.TestSupport;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Reconstruction;

public sealed class RegressorTrainerTests(RegressorFixture fixture) : IClassFixture<RegressorFixture>
{
    private static RegressorTrainingOptions Short(int batches) => new()
    {
        Batches = batches,
        BatchSize = 2,
        CropSize = 112,
        LearningRate = 4e-4,
        DecayEvery = 4,
        CheckpointEvery = 3,
        Augmentation = FaceAugmentation.None,
        Network = new RegressorConfig { Width = 64, ResidualBlocks = 1, TransformerLayers = 1 },
        Seed = 3,
    };

    private double EvaluationLoss(ParameterRegressor regressor, RegressorTrainingOptions o, FaceCropDataset data)
    {
        var model = fixture.Reconstructor.Model;
        using var topology = model.CreateFittingTopology();
        using var loss = new ReconstructionLoss(model, topology, fixture.Reconstructor.Faces.RecognitionNet, ReconstructionLoss.CropCamera(o.CropSize), o.Losses);
        return RegressorTrainer.Evaluate(regressor, loss, data)["total"];
    }

    [Fact]
    public void AShortRunLowersTheLossAndResumesFromItsCheckpoint()
    {
        using var cleanup = TempFolder.Create("faceclip-train-", out var folder);
        var output = Path.Combine(folder, "regressor.safetensors");
        var o = Short(16);
        var trainer = new RegressorTrainer(fixture.Reconstructor);
        using var faces = fixture.Data.Subset([0]);
        var (trained, history) = trainer.Train(faces, output, o);
        using (trained)
        {
            Assert.Equal(Enumerable.Range(1, 16), history.Select(h => h.Iteration));
            Assert.Equal(4e-4 * 0.75, history[4].LearningRate!.Value, 9);
            using var untrained = new ParameterRegressor(fixture.Reconstructor.Faces.RecognitionNet, fixture.Reconstructor.Model.Layout, o.Network);
            untrained.SetTranslationBase(trained.TranslationBase);
            var before = EvaluationLoss(untrained, o, faces);
            var after = EvaluationLoss(trained, o, faces);
            Assert.True(after < before * 0.95, $"loss {before:F4} -> {after:F4}");
        }

        Assert.True(File.Exists(output));
        Assert.True(File.Exists(RegressorTrainer.CheckpointPath(output)));
        var resumed = Short(18);
        resumed.Resume = true;
        var (again, more) = trainer.Train(faces, output, resumed);
        again.Dispose();
        Assert.Equal([17, 18], more.Select(h => h.Iteration));
        var log = File.ReadAllLines(RegressorTrainer.LogPath(output));
        Assert.StartsWith("batch,learning_rate,photo,landmarks,identity", log[0], StringComparison.Ordinal);
        Assert.Equal(19, log.Length);
    }

    [Fact]
    public async Task TheFitStartsFromTheRegressorsPrediction()
    {
        var reconstructor = fixture.Reconstructor;
        using var regressor = new ParameterRegressor(reconstructor.Faces.RecognitionNet, reconstructor.Model.Layout);
        regressor.SetTranslationBase(tensor(new[] { 3f, -2f, 10f }));
        var options = new ReconstructionOptions { PoseIterations = 0, ShapeIterations = 0, Iterations = 0, TextureSize = 64, PreviewEvery = 0, Critic = CriticChoice.Face };
        var photo = ReconstructorFixture.SamplePhoto;
        try
        {
            reconstructor.Regressor = regressor;
            using var started = await reconstructor.ReconstructAsync(photo, options);
            Assert.Equal(FitInitialiser.Regressor, started.Initialiser);
            var expected = Predict(regressor, started.Crop, photo);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i], started.Codes[i], 4);
            }

            options.Initialiser = FitInitialiser.Landmarks;
            using var cold = await reconstructor.ReconstructAsync(photo, options);
            Assert.Equal(FitInitialiser.Landmarks, cold.Initialiser);
            Assert.All(cold.Codes.Take(reconstructor.Model.Layout.Shape), c => Assert.Equal(0f, c));
            Assert.NotEqual(started.Codes[reconstructor.Model.Layout.TranslationOffset + 2], cold.Codes[reconstructor.Model.Layout.TranslationOffset + 2], 1);
        }
        finally
        {
            reconstructor.Regressor = null;
        }

        options.Initialiser = FitInitialiser.Regressor;
        var error = await Assert.ThrowsAsync<ReconstructionException>(() => reconstructor.ReconstructAsync(photo, options));
        Assert.Contains("faceclip train", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The regressor's codes for the fit's crop of the photo. Synchronous: a dispose scope or no-grad region
    /// must not span an await (both belong to the thread that opened them, and the continuation may run on another).</summary>
    private static float[] Predict(ParameterRegressor regressor, FaceCrop crop, string photo)
    {
        using var scope = NewDisposeScope();
        using var image = FaceImage.Load(photo);
        using var noGrad = no_grad();
        return regressor.forward(crop.Extract(image.Pixels)).data<float>().ToArray();
    }
}
