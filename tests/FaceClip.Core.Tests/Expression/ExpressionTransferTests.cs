using System.Text.Json;
using FaceClip.Core.Expression;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Vision;
using FaceClip.TestSupport;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceClip.Core.Tests.Expression;

public sealed class ExpressionTransferTests(TransferFixture fixture) : IClassFixture<TransferFixture>
{
    private static float P(float[] probabilities, string name) => probabilities[FaceExpressions.IndexOf(name)];

    private static double Kl(float[] target, float[] p) =>
        target.Select((t, i) => t > 0 ? t * Math.Log(t / Math.Max(p[i], 1e-6)) : 0).Sum();

    [Fact]
    public void ProgressStreamsEveryIterationWithPreviewsAndEndsWithTheResult()
    {
        var steps = fixture.Progress.Where(p => p.Stage == OptimisationStage.Transfer).ToList();
        Assert.Equal(fixture.Options.Iterations, steps.Count);
        Assert.Equal([8, 16, 24, 32, 40], steps.Where(p => p.PreviewPng is not null).Select(p => p.Iteration));
        Assert.All(steps, p => Assert.Equal(["antagonist", "critic", "delta", "identity", "prototype", "range", "sparsity", "symmetry", "total"], p.Losses.Keys.Order()));
        Assert.All(steps, p => Assert.Equal(2, p.ItemLosses.Count));
        using var preview = Image.Load<Rgb24>(steps[7].PreviewPng!);
        Assert.Equal((2 * fixture.Options.PreviewSize, fixture.Options.PreviewSize), (preview.Width, preview.Height));
        Assert.Equal(2, steps[7].Vertices!.Count);
        Assert.Equal(fixture.Reconstructor.Model.VertexCount * 3, steps[7].Vertices![0].Length);
        var last = fixture.Progress[^1];
        Assert.Equal(OptimisationStage.Done, last.Stage);
        Assert.Equal(1.0, last.Fraction, 6);
        Assert.Same(fixture.Result, last.Result);
    }

    [Fact]
    public void TheCriticMovesEachPromptTowardsItsExpression()
    {
        var r = fixture.Result;
        Assert.Equal(CriticKind.Face, r.Critic);
        Assert.Contains("sentence-embedding", r.CriticDescription, StringComparison.Ordinal);
        var sad = r.Prompts[0];
        var surprised = r.Prompts[1];
        Assert.True(P(sad.Probabilities, "sad") > P(r.SourceProbabilities, "sad") + 0.15,
            $"sad {P(r.SourceProbabilities, "sad"):F2} -> {P(sad.Probabilities, "sad"):F2}");
        foreach (var p in r.Prompts)
        {
            // The final render is closer to what the prompt asks for than the subject's own render.
            Assert.True(Kl(p.Target!.Probabilities, p.Probabilities) < Kl(p.Target.Probabilities, r.SourceProbabilities) - 0.3,
                $"{p.Prompt}: KL {Kl(p.Target.Probabilities, r.SourceProbabilities):F2} -> {Kl(p.Target.Probabilities, p.Probabilities):F2}");
        }

        foreach (var p in r.Prompts)
        {
            Assert.True(p.LossHistory.Min(h => h["critic"]) < p.LossHistory[0]["critic"] * 0.7, $"{p.Prompt}: the critic loss must fall");
        }

        Assert.True(sad.Expression.Zip(surprised.Expression, (a, b) => Math.Abs(a - b)).Max() > 0.1, "different prompts give different expressions");
    }

    [Fact]
    public void OnlyTheExpressionChangesWithinTheBlendshapeRange()
    {
        var r = fixture.Result;
        var layout = r.Layout;
        var names = fixture.Reconstructor.Model.Data.ExpressionNames;
        foreach (var p in r.Prompts)
        {
            Assert.All(p.Expression, e => Assert.InRange(e, 0f, 1f));
            for (var i = 0; i < layout.Total; i++)
            {
                if (i < layout.ExpressionOffset || i >= layout.ExpressionOffset + layout.Expression)
                {
                    Assert.Equal(fixture.Subject.Codes[i], p.Codes[i]);
                }
            }

            Assert.Equal(p.Expression, p.Codes.AsSpan(layout.ExpressionOffset, layout.Expression).ToArray());
            for (var i = 0; i < names.Length; i++)
            {
                Assert.Equal(p.Expression[i] - fixture.Subject.Expression[i], p.Delta[i], 5);
                if (names[i].StartsWith("eyeLook", StringComparison.Ordinal) || names[i] is "jawLeft" or "jawRight" or "mouthLeft" or "mouthRight")
                {
                    Assert.Equal(0f, p.Delta[i]); // gaze and sideways shifts stay for symmetric prompts
                }
            }

            Assert.InRange(p.IdentityDistance, 0.0, 0.6);
            Assert.True(p.MeanAbsoluteDelta > 0.005);
        }
    }

    [Fact]
    public void TheRenderLandmarksLieOnTheRenderedFaceAndFollowTheNewExpression()
    {
        var r = fixture.Result;
        static double Gap(IReadOnlyList<(float X, float Y)> p) => Math.Abs(p[66].Y - p[62].Y); // the inner lips' opening
        using var source = Image.Load<Rgb24>(r.SourceRenderPng);
        foreach (var (png, landmarks) in r.Prompts.Select(p => (p.RenderPng, p.RenderLandmarks)).Append((r.SourceRenderPng, r.SourceRenderLandmarks)))
        {
            using var image = Image.Load<Rgb24>(png);
            Assert.Equal(68, landmarks.Count);
            Assert.All(landmarks, p => Assert.True(p.X > 0 && p.Y > 0 && p.X < image.Width && p.Y < image.Height, $"{p} outside the render"));
            // The nose tip, the eye corners and the mouth corners are on the face, not on the grey background.
            foreach (var i in new[] { 30, 36, 45, 48, 54 })
            {
                var pixel = image[(int)landmarks[i].X, (int)landmarks[i].Y];
                Assert.True(Math.Abs(pixel.R - 128) + Math.Abs(pixel.G - 128) + Math.Abs(pixel.B - 128) > 6, $"landmark {i} at {landmarks[i]} is on the background");
            }

            // Left eye corner left of the right one in the picture (the subject's right is the image's left).
            Assert.True(landmarks[36].X < landmarks[45].X);
        }

        // "surprised" opens the mouth: its landmarks open with it.
        var surprised = r.Prompts.Single(p => p.Prompt == "surprised");
        Assert.True(Gap(surprised.RenderLandmarks) > Gap(r.SourceRenderLandmarks) + 0.5,
            $"inner lips {Gap(r.SourceRenderLandmarks):F1} px apart on the subject, {Gap(surprised.RenderLandmarks):F1} px surprised");
    }

    [Fact]
    public void WritesMeshesRendersCodesAndLossesPerPrompt()
    {
        using var cleanup = TempFolder.Create("faceclip-transfer-", out var folder);
        var files = TransferWriter.Write(fixture.Result, fixture.Reconstructor.Model, folder, textureSize: 64);
        foreach (var slug in new[] { "very-sad", "surprised" })
        {
            foreach (var name in new[] { "mesh.obj", "mesh.mtl", "texture.png", "mesh-obj.zip", "mesh.ply", "mesh.glb", "render.png", "composite.png", "overlay.png", "codes.json", "losses.json" })
            {
                Assert.Contains($"{slug}/{name}", files);
                Assert.True(new FileInfo(Path.Combine(folder, slug, name)).Length > 0, $"{slug}/{name}");
            }
        }

        // The OBJ is the subject's identity in the prompt's expression: the transfer's own vertices.
        var sad = fixture.Result.Prompts.Single(p => p.Slug == "very-sad");
        var source = fixture.Reconstruction.Mesh.SourceVertices!;
        var objVertices = File.ReadLines(Path.Combine(folder, "very-sad", "mesh.obj")).Where(l => l.StartsWith("v ", StringComparison.Ordinal))
            .Select(l => l[2..].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(x => float.Parse(x, System.Globalization.CultureInfo.InvariantCulture)).ToArray()).ToList();
        Assert.Equal(source.Length, objVertices.Count);
        var worst = Enumerable.Range(0, source.Length).Max(i => Enumerable.Range(0, 3).Max(k => Math.Abs(objVertices[i][k] - sad.Vertices[(3 * source[i]) + k])));
        Assert.True(worst < 1e-3, $"OBJ vertex off the transfer's vertices by {worst}");
        using (var zip = System.IO.Compression.ZipFile.OpenRead(Path.Combine(folder, "very-sad", "mesh-obj.zip")))
        {
            Assert.Equal(["mesh.mtl", "mesh.obj", "texture.png"], zip.Entries.Select(e => e.Name).Order(StringComparer.Ordinal));
        }

        using var codes = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "very-sad", "codes.json")));
        var root = codes.RootElement;
        Assert.Equal("very sad", root.GetProperty("prompt").GetString());
        Assert.Equal("face", root.GetProperty("critic").GetString());
        Assert.Equal("sad", root.GetProperty("target").GetProperty("dominant").GetString());
        Assert.Equal(53, root.GetProperty("codes").GetProperty("expression").EnumerateObject().Count());
        using var losses = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "very-sad", "losses.json")));
        Assert.Equal(fixture.Options.Iterations, losses.RootElement.GetArrayLength());
        using var overlay = Image.Load<Rgb24>(Path.Combine(folder, "very-sad", "overlay.png"));
        Assert.Equal((fixture.Reconstruction.PhotoWidth, fixture.Reconstruction.PhotoHeight), (overlay.Width, overlay.Height));
        var glb = File.ReadAllBytes(Path.Combine(folder, "very-sad", "mesh.glb"));
        Assert.Equal("glTF"u8.ToArray(), glb[..4]);
        var json = System.Text.Encoding.UTF8.GetString(glb, 20, BitConverter.ToInt32(glb, 12));
        Assert.Contains("\"animations\"", json, StringComparison.Ordinal);
        Assert.Contains("mouthSmile_L", json, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, TransferWriter.SummaryFile)));
        Assert.Equal(2, summary.RootElement.GetProperty("prompts").GetArrayLength());
    }

    [Fact]
    public void GivenTheReconstructionsMeshEachPromptKeepsThePhotoTexture()
    {
        using var cleanup = TempFolder.Create("faceclip-transfer-", out var folder);
        TransferWriter.Write(fixture.Result, fixture.Reconstructor.Model, folder, subjectMesh: fixture.Reconstruction.Mesh);
        AssertSameTexture(fixture.Reconstruction.Texture, Path.Combine(folder, "surprised", "texture.png"));
        Assert.NotNull(fixture.Reconstruction.Mesh.Texture); // the writer leaves the caller's mesh alone

        // Without the reconstruction's mesh (a subject read from params.json, as faceclip transfer does), the
        // subject's own texture is used, not the model's albedo.
        var again = Path.Combine(folder, "from-codes");
        TransferWriter.Write(fixture.Result, fixture.Reconstructor.Model, again);
        AssertSameTexture(fixture.Subject.Texture!, Path.Combine(again, "surprised", "texture.png")); // (read after the write: still the subject's)
    }

    private static void AssertSameTexture(Image<Rgb24> baked, string path)
    {
        using var written = Image.Load<Rgb24>(path);
        Assert.Equal((baked.Width, baked.Height), (written.Width, written.Height));
        var differ = 0;
        for (var y = 0; y < baked.Height; y += 7)
        {
            for (var x = 0; x < baked.Width; x += 7)
            {
                differ += baked[x, y].Equals(written[x, y]) ? 0 : 1;
            }
        }

        Assert.Equal(0, differ);
    }

    [Fact]
    public void ASubjectRebuiltFromParamsJsonHasTheSameCodesTextureAndPhoto()
    {
        using var cleanup = TempFolder.Create("faceclip-subject-", out var folder);
        ReconstructionWriter.Write(fixture.Reconstruction, folder, "sample2.jpg");
        var names = fixture.Reconstructor.Model.Data.ExpressionNames;
        var layout = fixture.Reconstructor.Model.Layout;
        using (var withoutPhoto = TransferSubject.FromParamsJson(Path.Combine(folder, "params.json"), names, layout))
        {
            Assert.Null(withoutPhoto.Photo); // the photo is not beside params.json
            Assert.NotNull(withoutPhoto.Texture);
            Assert.Equal(fixture.Reconstruction.Codes, withoutPhoto.Codes);
            Assert.Equal(fixture.Reconstruction.Camera, withoutPhoto.Camera);
            Assert.Equal(fixture.Reconstruction.Crop, withoutPhoto.Crop);
        }

        // The photo params.json names, found in a given folder of photos.
        using (var fromFolder = TransferSubject.FromParamsJson(Path.Combine(folder, "params.json"), names, layout, photoFolder: TestPaths.SamplePhotos))
        {
            Assert.NotNull(fromFolder.Photo);
            Assert.Equal("sample2.jpg", fromFolder.PhotoName);
        }

        File.Copy(TransferFixture.PhotoPath, Path.Combine(folder, "sample2.jpg"));
        using var withPhoto = TransferSubject.FromParamsJson(Path.Combine(folder, "params.json"), names, layout);
        Assert.NotNull(withPhoto.Photo);
        Assert.Equal("sample2.jpg", withPhoto.PhotoName);
        Assert.Throws<FileNotFoundException>(() => TransferSubject.FromParamsJson(Path.Combine(folder, "params.json"), names, layout, Path.Combine(folder, "missing.jpg")));
    }

    [Fact]
    public async Task AnUnreadablePromptFailsBeforeAnyWorkAndListsTheVocabulary()
    {
        var ex = await Assert.ThrowsAsync<ExpressionPromptException>(async () =>
            await fixture.Transfer.TransferAsync(fixture.Subject, ["happy", "a purple elephant"], new TransferOptions { Critic = CriticChoice.Face }));
        Assert.Contains("a purple elephant", ex.Message, StringComparison.Ordinal);
        Assert.Contains("surprised", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutClipWeightsAskingForClipIsAMissingAssetError()
    {
        Assert.False(fixture.Transfer.ClipAvailable);
        await Assert.ThrowsAsync<Core.Runtime.ModelAssetException>(async () =>
            await fixture.Transfer.TransferAsync(fixture.Subject, ["happy"], new TransferOptions { Critic = CriticChoice.Clip }));
    }

    [Fact]
    public async Task AMovementMovesItsBlendshapesEvenGazeAndTheSevenClassCriticSitsItOut()
    {
        var names = fixture.Reconstructor.Model.Data.ExpressionNames;
        int I(string name) => Array.IndexOf(names, name);
        var options = new TransferOptions { Iterations = 1, Critic = CriticChoice.Face, PreviewEvery = 0 };
        using var result = await fixture.Transfer.TransferAsync(fixture.Subject, ["look up", "wink with your right eye", "a sad face"], options);
        var (look, wink, sad) = (result.Prompts[0], result.Prompts[1], result.Prompts[2]);
        // Gaze is frozen for every other prompt; "look up" moves it.
        Assert.True(look.Expression[I("eyeLookUp_L")] > 0.6f && look.Expression[I("eyeLookUp_R")] > 0.6f, $"{look.Expression[I("eyeLookUp_L")]:F2}");
        Assert.Equal(fixture.Subject.Expression[I("eyeLookUp_L")], sad.Expression[I("eyeLookUp_L")], 5);
        // The wink closes the subject's right eye only.
        Assert.True(wink.Expression[I("eyeBlink_R")] > 0.8f && wink.Expression[I("eyeBlink_L")] < 0.3f, $"{wink.Expression[I("eyeBlink_R")]:F2} / {wink.Expression[I("eyeBlink_L")]:F2}");
        // A seven-class net cannot judge a wink or a gaze: its loss is left out for them, not for the sad face.
        Assert.Equal(0, look.LossHistory[0]["critic"]);
        Assert.Equal(0, wink.LossHistory[0]["critic"]);
        Assert.True(sad.LossHistory[0]["critic"] > 0);
        Assert.False(wink.Target!.JudgedByCritic);
    }

    [Fact]
    public async Task AFreshMapperStartsFromThePromptsPrototypeAndWithoutAWarmStartFromNoChange()
    {
        var names = fixture.Reconstructor.Model.Data.ExpressionNames;
        int I(string name) => Array.IndexOf(names, name);
        var source = fixture.Subject.Expression;
        var options = new TransferOptions { Iterations = 0, Critic = CriticChoice.Face, PreviewEvery = 0 };
        using var warm = await fixture.Transfer.TransferAsync(fixture.Subject, ["very sad"], options);
        var target = warm.Prompts[0].Target!;
        var (relevance, levels, antagonism) = ExpressionPrototypes.Plan(names, target, options.PrototypeLevel);
        var started = warm.Prompts[0].Expression;
        for (var i = 0; i < names.Length; i++)
        {
            // The prototype's blendshapes at least at their levels, its antagonists at zero, the rest as the subject's.
            var expected = relevance[i] > 0 ? Math.Max(source[i], levels[i]) : antagonism[i] > 0 ? 0f : source[i];
            Assert.True(Math.Abs(expected - started[i]) < 1e-4, $"{names[i]}: {source[i]:F3} -> {started[i]:F3}, expected {expected:F3}");
        }

        Assert.True(started[I("browInnerUp_L")] >= 0.7f && started[I("mouthFrown_R")] >= 0.6f, "a sad start raises the inner brows and lowers the mouth corners");
        Assert.Equal(0f, started[I("mouthSmile_L")]);

        options.WarmStart = false;
        using var cold = await fixture.Transfer.TransferAsync(fixture.Subject, ["very sad"], options);
        Assert.All(cold.Prompts[0].Delta, d => Assert.True(Math.Abs(d) < 1e-6));
    }

    [Fact]
    public async Task TheIdentityTermIsTheReportedDescriptorDistanceOverItsMarginAndPullsItBack()
    {
        // Two views per step, both the fitted one (no augmentation), so the term's view is the one results are judged on.
        TransferOptions Options(int iterations, double weight, double margin) => new()
        {
            Iterations = iterations, Critic = CriticChoice.Face, PreviewEvery = 0, LearningRate = 4e-3, Views = 2, FittedView = true,
            ViewJitter = 0, PitchJitter = 0, LightFlip = 0, CropJitter = 0, IdentityWeight = weight, IdentityMargin = margin,
        };
        string[] prompt = ["very angry"];
        using var start = await fixture.Transfer.TransferAsync(fixture.Subject, prompt, Options(0, 0, 0));
        var startDistance = start.Prompts[0].IdentityDistance;
        Assert.True(startDistance > 0.05, $"the prototype moves the descriptor ({startDistance:F3})");

        using var free = await fixture.Transfer.TransferAsync(fixture.Subject, prompt, Options(24, 0, 0));
        using var held = await fixture.Transfer.TransferAsync(fixture.Subject, prompt, Options(24, 20, 0));
        // The first step's term is the weight times the distance of the first iterate (the prototype), as reported.
        Assert.Equal(0, free.Prompts[0].LossHistory[0]["identity"]);
        Assert.Equal(20 * startDistance, held.Prompts[0].LossHistory[0]["identity"], 20 * 2e-3);
        Assert.True(held.Prompts[0].IdentityDistance < free.Prompts[0].IdentityDistance - 0.01,
            $"the term pulls the descriptor back: {held.Prompts[0].IdentityDistance:F3} with it, {free.Prompts[0].IdentityDistance:F3} without");

        // Below its margin the term is zero.
        using var within = await fixture.Transfer.TransferAsync(fixture.Subject, prompt, Options(1, 20, startDistance + 0.05));
        Assert.Equal(0, within.Prompts[0].LossHistory[0]["identity"]);
    }

    [Fact]
    public async Task AMapperTrainedAcrossSubjectsLowersTheCriticLossAndAppliesToAFaceAsItIs()
    {
        // Two subjects: the fit, and the same face with the subject's own expression relaxed (a different starting point).
        var relaxed = (float[])fixture.Subject.Codes.Clone();
        var layout = fixture.Subject.Layout;
        Array.Clear(relaxed, layout.ExpressionOffset, layout.Expression);
        using var second = new TransferSubject
        {
            Layout = layout, Codes = relaxed, Camera = fixture.Subject.Camera, Crop = fixture.Subject.Crop, Texture = fixture.Subject.Texture!.Clone(),
        };
        var options = new TransferOptions { Iterations = 12, PreviewEvery = 0, Critic = CriticChoice.Face, LearningRate = 4e-3, Views = 1, ViewJitter = 0, PitchJitter = 0, LightFlip = 0, CropJitter = 0 };
        var progress = new List<OptimisationProgress<ExpressionMapper>>();
        using var trained = fixture.Transfer.TrainMapper([fixture.Subject, second], "surprised", options, epochs: 2, report: progress.Add);

        // Every step is reported; each epoch visits both subjects for 12 steps, in an order drawn from the seed.
        Assert.Equal(2 * 2 * 12, progress.Count);
        Assert.All(progress, p => Assert.Equal(OptimisationStage.MapperTraining, p.Stage));
        var visits = progress.Chunk(12).ToList();
        Assert.All(visits, v => Assert.Equal(Enumerable.Range(1, 12), v.Select(p => p.Iteration)));
        Assert.All(visits, v => Assert.Single(v.Select(p => p.Item).Distinct()));
        Assert.Equal([0, 1], visits.Take(2).Select(v => v[0].Item!.Value).Order());
        Assert.Equal([0, 1], visits.Skip(2).Select(v => v[0].Item!.Value).Order());
        Assert.Equal(1.0, progress[^1].Fraction, 9);

        // Applied as it is (no iterations), the trained mapper moves each face towards the prompt, where a fresh mapper
        // (no warm start) leaves it as it is: compared on the final renders, not on one noisy step of training.
        var apply = options.Clone();
        apply.Iterations = 0;
        apply.WarmStart = false;
        foreach (var subject in new[] { fixture.Subject, second })
        {
            using var applied = await fixture.Transfer.TransferAsync(subject, ["surprised"], apply, trained);
            using var fresh = await fixture.Transfer.TransferAsync(subject, ["surprised"], apply);
            var (t, f) = (applied.Prompts[0], fresh.Prompts[0]);
            Assert.True(t.MeanAbsoluteDelta > 0.01, "the trained mapper changes the face");
            Assert.True(f.MeanAbsoluteDelta < 0.01 * t.MeanAbsoluteDelta + 1e-6, $"a fresh mapper's change {f.MeanAbsoluteDelta:F4}");
            Assert.True(Kl(t.Target!.Probabilities, t.Probabilities) < 0.8 * Kl(f.Target!.Probabilities, f.Probabilities),
                $"KL fresh {Kl(f.Target!.Probabilities, f.Probabilities):F2}, trained {Kl(t.Target.Probabilities, t.Probabilities):F2}");
        }

        Assert.Throws<ArgumentException>(() => fixture.Transfer.TrainMapper([], "surprised", options, epochs: 1));
    }

    [Fact]
    public async Task ASavedMapperAppliedWithoutIterationsChangesTheFaceAndAMapperOfAnotherCriticIsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"faceclip-mapper-{Guid.NewGuid():N}.safetensors");
        try
        {
            fixture.Result.Mappers[1].Save(path);
            using var mapper = ExpressionMapper.Load(path);
            using var again = await fixture.Transfer.TransferAsync(fixture.Subject, ["surprised"], new TransferOptions { Iterations = 0, Critic = CriticChoice.Face }, mapper);
            var delta = again.Prompts[0].Delta;
            Assert.True(delta.Select(Math.Abs).Max() > 0.01, "the loaded mapper changes the face");
            Assert.Empty(again.Prompts[0].LossHistory);

            using var wrong = new ExpressionMapper(new ExpressionMapperConfig(PromptInputs: 512, Critic: CriticKind.Clip));
            await Assert.ThrowsAsync<ArgumentException>(async () =>
                await fixture.Transfer.TransferAsync(fixture.Subject, ["surprised"], new TransferOptions { Iterations = 0, Critic = CriticChoice.Face }, wrong));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task TheClipCriticReadsAnyTextAndGivesOneLossPerPrompt()
    {
        // OpenAI's weights are not installed here: the tiny random CLIP fixture exercises the same code path.
        using var model = Core.Clip.ClipLoader.Load(Clip.ClipFixtureTests.Fixture("clip_tiny_vit.safetensors")).Freeze();
        var tokenizer = Core.Clip.ClipTokenizer.Load(Path.Combine(TestPaths.SharedModels, "clip", "bpe_simple_vocab_16e6.txt.gz"));
        using var critic = new ClipExpressionCritic(model, tokenizer, "tiny");
        string[] prompts = ["a face lost in thought", "a purple elephant"];
        var embeddings = critic.EmbedPrompts(prompts);
        Assert.Equal([2L, critic.PromptDimensions], embeddings.shape);
        Assert.Equal(1f, TorchSharp.torch.linalg.vector_norm(embeddings[0]).item<float>(), 4);
        using var generator = new TorchSharp.torch.Generator(5);
        var images = TorchSharp.torch.rand(2, 3, 96, 96, generator: generator).requires_grad_(true);
        var losses = critic.Loss(images, []);
        Assert.Equal([2L], losses.shape);
        var reference = new Core.Losses.ClipTextLoss(model, tokenizer);
        Assert.Equal(reference.Forward(images[..1], prompts[0]).item<float>(), losses[0].item<float>(), 4);
        losses.sum().backward();
        Assert.True(images.grad!.abs().sum().item<float>() > 0);

        using var transfer = new ExpressionTransfer(fixture.Reconstructor.Model, fixture.Reconstructor.Faces, () => new ClipExpressionCritic(model, tokenizer, "tiny"));
        Assert.True(transfer.ClipAvailable);
        using var result = await transfer.TransferAsync(fixture.Subject, prompts, new TransferOptions { Iterations = 3, PreviewEvery = 0 });
        Assert.Equal(CriticKind.Clip, result.Critic);
        Assert.All(result.Prompts, p => Assert.Null(p.Target));
        Assert.Equal(critic.PromptDimensions, result.Mappers[0].Config.PromptInputs);
        Assert.Equal(3, result.Prompts[1].LossHistory.Count);
    }

    [Fact]
    public async Task AStepWithANonFiniteGradientIsSkippedLeavingTheMapperAndAdamAsTheyWere()
    {
        using var model = Core.Clip.ClipLoader.Load(Clip.ClipFixtureTests.Fixture("clip_tiny_vit.safetensors")).Freeze();
        var tokenizer = Core.Clip.ClipTokenizer.Load(Path.Combine(TestPaths.SharedModels, "clip", "bpe_simple_vocab_16e6.txt.gz"));
        // One fixed view per step, so step n of one run and step m of another see the same render when their mappers agree.
        TransferOptions Options(int iterations) => new()
        {
            Iterations = iterations, PreviewEvery = 0, Critic = CriticChoice.Clip, LearningRate = 1e-2,
            Views = 1, ViewJitter = 0, PitchJitter = 0, LightFlip = 0, CropJitter = 0,
        };
        using var poisoned = new ExpressionTransfer(fixture.Reconstructor.Model, fixture.Reconstructor.Faces,
            () => new PoisonedCritic(new ClipExpressionCritic(model, tokenizer, "tiny")));
        using var result = await poisoned.TransferAsync(fixture.Subject, ["a smile"], Options(4));
        using var plain = new ExpressionTransfer(fixture.Reconstructor.Model, fixture.Reconstructor.Faces, () => new ClipExpressionCritic(model, tokenizer, "tiny"));
        using var clean = await plain.TransferAsync(fixture.Subject, ["a smile"], Options(2));

        Assert.Equal(2, result.SkippedSteps); // steps 1 and 3 had a NaN loss
        Assert.Equal(0, clean.SkippedSteps);
        var poisonedTotals = result.Prompts[0].LossHistory.Select(h => h["total"]).ToArray();
        var cleanTotals = clean.Prompts[0].LossHistory.Select(h => h["total"]).ToArray();
        Assert.True(double.IsNaN(poisonedTotals[0]) && double.IsNaN(poisonedTotals[2]));
        Assert.True(Math.Abs(cleanTotals[1] - cleanTotals[0]) > 1e-3, "a step changes the loss");
        // Step 2 starts from the untouched mapper, as the clean run's step 1. Step 4 follows one Adam step, as the clean
        // run's step 2: the same up to the CPU backward pass's run-to-run noise (Adam's normalised step turns a gradient
        // component near zero into a full step either way), far from what a second step or a corrupted state would give.
        Assert.Equal(cleanTotals[0], poisonedTotals[1], 1e-5);
        var oneStep = Math.Abs(cleanTotals[1] - cleanTotals[0]);
        Assert.True(Math.Abs(poisonedTotals[3] - cleanTotals[1]) < 0.25 * oneStep,
            $"after one Adam step: {poisonedTotals[3]} against {cleanTotals[1]} (one step changed the loss by {oneStep})");
        Assert.All(result.Prompts[0].Expression, w => Assert.True(float.IsFinite(w) && w is >= 0 and <= 1));
        Assert.All(result.Mappers[0].parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
    }

    /// <summary>A critic whose loss is NaN on every other call (1st, 3rd, ...).</summary>
    private sealed class PoisonedCritic(IExpressionCritic inner) : IExpressionCritic
    {
        private int _calls;

        public CriticKind Kind => inner.Kind;

        public string Description => inner.Description;

        public int PromptDimensions => inner.PromptDimensions;

        public IReadOnlyList<ExpressionTarget>? Targets => inner.Targets;

        public TorchSharp.torch.Tensor EmbedPrompts(IReadOnlyList<string> prompts) => inner.EmbedPrompts(prompts);

        public TorchSharp.torch.Tensor Loss(TorchSharp.torch.Tensor composites01, IReadOnlyList<Core.Vision.FaceBox> expressionBoxes) =>
            inner.Loss(composites01, expressionBoxes) * (++_calls % 2 == 1 ? float.NaN : 1f);

        public IReadOnlyList<ExpressionPrior> Priors(IReadOnlyList<string> blendshapeNames, TransferOptions options) => inner.Priors(blendshapeNames, options);

        public void Dispose() => inner.Dispose();
    }
}
