using FaceClip.Core.Expression;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Vision;
using static TorchSharp.torch;

namespace FaceClip.Core.Tests.Expression;

/// <summary>Several randomly augmented critic views per step, averaged (<see cref="TransferOptions.Views"/>).</summary>
public sealed class TransferViewTests(TransferFixture fixture) : IClassFixture<TransferFixture>
{
    /// <summary>The embedded critic, keeping a copy of every batch of renders and boxes it is given.</summary>
    private sealed class RecordingCritic(FaceExpressionNet net, IReadOnlyList<string> blendshapes) : IExpressionCritic
    {
        private readonly EmbeddedExpressionCritic _inner = new(net, blendshapes);

        public List<float[]> Batches { get; } = [];

        public List<long[]> Shapes { get; } = [];

        public List<IReadOnlyList<FaceBox>> Boxes { get; } = [];

        public List<float[]> Losses { get; } = [];

        public CriticKind Kind => _inner.Kind;

        public string Description => _inner.Description;

        public int PromptDimensions => _inner.PromptDimensions;

        public IReadOnlyList<ExpressionTarget>? Targets => _inner.Targets;

        public Tensor EmbedPrompts(IReadOnlyList<string> prompts) => _inner.EmbedPrompts(prompts);

        public IReadOnlyList<ExpressionPrior> Priors(IReadOnlyList<string> blendshapeNames, TransferOptions options) => _inner.Priors(blendshapeNames, options);

        public Tensor Loss(Tensor composites01, IReadOnlyList<FaceBox> expressionBoxes)
        {
            Shapes.Add(composites01.shape);
            Batches.Add(composites01.detach().cpu().data<float>().ToArray());
            Boxes.Add(expressionBoxes.ToList());
            var losses = _inner.Loss(composites01, expressionBoxes);
            Losses.Add(losses.detach().cpu().data<float>().ToArray());
            return losses;
        }

        public void Dispose() => _inner.Dispose();
    }

    private static readonly string[] Prompts = ["angry", "happy"];

    // The recording critic is handed in as the "clip" critic (the factory the transfer asks for --critic clip).
    private async Task<(RecordingCritic Critic, TransferResult Result)> RunAsync(TransferOptions options)
    {
        var critic = new RecordingCritic(fixture.Reconstructor.Faces.ExpressionNet, fixture.Reconstructor.Model.Data.ExpressionNames);
        using var transfer = new ExpressionTransfer(fixture.Reconstructor.Model, fixture.Reconstructor.Faces, () => critic);
        options.Critic = CriticChoice.Clip;
        options.PreviewEvery = 0;
        var result = await transfer.TransferAsync(fixture.Subject, Prompts, options);
        return (critic, result);
    }

    private static float MeanAbsDifference(float[] batch, int a, int b, int stride) =>
        Enumerable.Range(0, stride).Average(i => Math.Abs(batch[(a * stride) + i] - batch[(b * stride) + i]));

    [Fact]
    public async Task EachStepTheCriticSeesEveryPromptFromSeveralDifferentViewsAndARunIsReproducible()
    {
        var options = new TransferOptions { Iterations = 2, Views = 3, ViewJitter = 0.2, PitchJitter = 0.12, LightFlip = 0.5, CropJitter = 0.05 };
        var (critic, result) = await RunAsync(options.Clone());
        using (result)
        {
            Assert.Equal(2, critic.Batches.Count);
            var size = fixture.Subject.Camera.Width;
            Assert.All(critic.Shapes, s => Assert.Equal([6L, 3, size, size], s));
            Assert.All(critic.Boxes, b => Assert.Equal(6, b.Count));
            var stride = 3 * size * size;
            foreach (var batch in critic.Batches)
            {
                for (var k = 0; k < Prompts.Length; k++)
                {
                    // Renders k, 2 + k and 4 + k are prompt k from three views: all different.
                    Assert.True(MeanAbsDifference(batch, k, 2 + k, stride) > 1e-3, "views 0 and 1 differ");
                    Assert.True(MeanAbsDifference(batch, k, 4 + k, stride) > 1e-3, "views 0 and 2 differ");
                    Assert.True(MeanAbsDifference(batch, 2 + k, 4 + k, stride) > 1e-3, "views 1 and 2 differ");
                }
            }

            // Each prompt's critic term is the mean of its views' losses.
            for (var it = 0; it < 2; it++)
            {
                for (var k = 0; k < Prompts.Length; k++)
                {
                    var views = new[] { critic.Losses[it][k], critic.Losses[it][2 + k], critic.Losses[it][4 + k] };
                    Assert.True(views.Max() - views.Min() > 1e-4, "the views score differently");
                    var term = result.Prompts[k].LossHistory[it]["critic"];
                    Assert.True(Math.Abs(views.Average() - term) < 1e-4 * Math.Max(1, Math.Abs(term)), $"{views.Average()} vs {term}");
                }
            }

            Assert.True(MeanAbsDifference(critic.Batches[0].Concat(critic.Batches[1]).ToArray(), 0, 6, stride) > 1e-3, "a new step, new views");

            // The same seed draws the same views. The first step's renders are identical (same start, same views); after
            // an Adam step the face can differ in the last float bits (the backward pass's scatter-adds run on several
            // threads, and a gradient component near zero takes a full normalised step either way), so the second step's
            // renders are compared far below the difference between two views (> 1e-3 above), and the expressions within
            // one Adam step per iteration.
            var (again, second) = await RunAsync(options.Clone());
            using (second)
            {
                Assert.Equal(critic.Batches[0], again.Batches[0]);
                var both = critic.Batches[1].Concat(again.Batches[1]).ToArray();
                Assert.All(Enumerable.Range(0, 6), k => Assert.True(MeanAbsDifference(both, k, 6 + k, stride) < 1e-5, $"render {k}: the second step draws the same views"));
                var bound = 2 * options.Iterations * options.LearningRate;
                Assert.All(result.Prompts[0].Expression.Zip(second.Prompts[0].Expression), e => Assert.InRange(Math.Abs(e.First - e.Second), 0, bound));
            }
        }
    }

    [Fact]
    public async Task WithoutAugmentationSeveralViewsAreOneViewRepeatedAndGiveTheSingleViewResult()
    {
        TransferOptions Plain(int views) => new() { Iterations = 3, LearningRate = 2e-3, Views = views, ViewJitter = 0, PitchJitter = 0, LightFlip = 0, CropJitter = 0 };
        var (one, single) = await RunAsync(Plain(1));
        var (three, repeated) = await RunAsync(Plain(3));
        using (single)
        using (repeated)
        {
            Assert.Equal(2, one.Shapes[0][0]);
            Assert.Equal(6, three.Shapes[0][0]);
            var stride = (int)(3 * one.Shapes[0][2] * one.Shapes[0][3]);
            Assert.True(MeanAbsDifference(three.Batches[0], 0, 2, stride) < 1e-6, "identical views");
            for (var k = 0; k < Prompts.Length; k++)
            {
                var a = single.Prompts[k];
                var b = repeated.Prompts[k];
                for (var it = 0; it < a.LossHistory.Count; it++)
                {
                    // The same numbers up to float summation order in a batch of 2 or 6: exactly at the first step
                    // (the same face from the same view); after it Adam's normalised steps and the hard rasterised
                    // edges amplify those last bits (a gradient component near zero can take a full step either way).
                    var (x, y) = (a.LossHistory[it]["critic"], b.LossHistory[it]["critic"]);
                    Assert.True(Math.Abs(x - y) < (it == 0 ? 1e-4 : 3e-2) * Math.Max(1, Math.Abs(x)), $"step {it}: critic {x} vs {y}");
                }

                Assert.All(a.Expression.Zip(b.Expression), e => Assert.InRange(Math.Abs(e.First - e.Second), 0, 0.01));
                Assert.True(a.Delta.Select(Math.Abs).Max() > 1e-3, "the single-view run moved the face");
            }
        }
    }

    [Theory]
    [InlineData(0, 0.2, 0.12, 0.5, 0.05)]
    [InlineData(9, 0.2, 0.12, 0.5, 0.05)]
    [InlineData(3, 0.25, 0.12, 0.5, 0.05)] // the held-out yaw itself
    [InlineData(3, -0.1, 0.12, 0.5, 0.05)]
    [InlineData(3, 0.2, -0.1, 0.5, 0.05)]
    [InlineData(3, 0.2, 0.6, 0.5, 0.05)]
    [InlineData(3, 0.2, 0.12, 1.5, 0.05)]
    [InlineData(3, 0.2, 0.12, -0.5, 0.05)]
    [InlineData(3, 0.2, 0.12, 0.5, 0.25)]
    [InlineData(3, 0.2, 0.12, 0.5, -0.01)]
    public void ViewOptionsOutsideTheirRangesAreRefused(int views, double yaw, double pitch, double flip, double crop)
    {
        var options = new TransferOptions { Views = views, ViewJitter = yaw, PitchJitter = pitch, LightFlip = flip, CropJitter = crop };
        Assert.Throws<ArgumentException>(options.Validate);
        new TransferOptions().Validate();
        new TransferOptions { Views = 1, ViewJitter = 0, PitchJitter = 0, LightFlip = 0, CropJitter = 0 }.Validate();
    }

    [Fact]
    public void TheEmbeddedCriticGivesOneLossPerViewOfEachPrompt()
    {
        using var critic = new EmbeddedExpressionCritic(fixture.Reconstructor.Faces.ExpressionNet, fixture.Reconstructor.Model.Data.ExpressionNames);
        using var embeddings = critic.EmbedPrompts(Prompts);
        using var generator = new Generator(1);
        using var images = rand(4, 3, 224, 224, generator: generator);
        var boxes = Enumerable.Repeat(new FaceBox(40, 40, 140, 150), 4).ToList();
        using var losses = critic.Loss(images, boxes);
        Assert.Equal([4L], losses.shape);
        using var first = critic.Loss(images.narrow(0, 0, 2), boxes.Take(2).ToList());
        using var second = critic.Loss(images.narrow(0, 2, 2), boxes.Take(2).ToList());
        Assert.Equal(first.data<float>().ToArray().Concat(second.data<float>().ToArray()), losses.data<float>().ToArray(), (a, b) => Math.Abs(a - b) < 1e-4);
        Assert.Throws<ArgumentException>(() => critic.Loss(images.narrow(0, 0, 3), boxes.Take(3).ToList()));
    }
}
