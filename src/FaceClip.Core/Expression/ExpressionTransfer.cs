using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceClip.Core.Clip;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
using FaceClip.Core.Optimisation;
using FaceClip.Core.Reconstruction;
using FaceClip.Core.Rendering;
using FaceClip.Core.Runtime;
using FaceClip.Core.Vision;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FaceClip.Core.Expression;

/// <summary>
/// Text-guided expression transfer: for one subject and one or more prompts, optimises an <see cref="ExpressionMapper"/> per prompt
/// (three transformer blocks over the subject's blendshape weights, an identity token and the prompt's embedding) so
/// that the face rendered with β' = clamp(β + Δβ, 0, 1) — identity, texture, pose and lighting fixed — satisfies the
/// critic: CLIP's <c>1 − cos(E_i(I_r), E_t(prompt))</c> when installed, else the embedded expression critic. A
/// regulariser keeps Δβ small (L2), sparse (L1), left/right symmetric unless the prompt asks for one side, and inside
/// [0, 1]; gaze blendshapes are frozen unless the prompt asks the eyes to look somewhere. Progress streams as <see cref="OptimisationProgress{TResult}"/>.
/// </summary>
public sealed class ExpressionTransfer : IDisposable
{
    private readonly MeshTopology _face;
    private readonly MeshTopology _faceWithEyes;
    private readonly MeshTopology _display;

    public ExpressionTransfer(FaceModel model, FacePipeline faces, Func<IExpressionCritic>? clipCriticFactory = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Faces = faces ?? throw new ArgumentNullException(nameof(faces));
        Critics = new CriticSource<IExpressionCritic>(() => new EmbeddedExpressionCritic(faces.ExpressionNet, model.Data.ExpressionNames), clipCriticFactory, "ViT-B-32.pt");
        var data = model.Data;
        // The critic's face: the fitting region plus the mouth's inside (teeth, gums), and the eyeballs (sclera, painted
        // iris) unless the photo's own eyes are to show through the eye openings (TransferOptions.ModelEyes).
        var inner = new HashSet<FaceRegion> { FaceRegion.GumsTongue, FaceRegion.Teeth };
        var eyes = new HashSet<FaceRegion> { FaceRegion.ScleraLeft, FaceRegion.ScleraRight, FaceRegion.IrisLeft, FaceRegion.IrisRight };
        var faceIds = data.FittingTriangleIds().Concat(data.DisplayTriangleIds().Where(t => inner.Contains(data.TriangleRegions[t]))).Distinct().ToArray();
        _face = model.CreateTopology(faceIds);
        _faceWithEyes = model.CreateTopology(faceIds.Concat(data.DisplayTriangleIds().Where(t => eyes.Contains(data.TriangleRegions[t]))).Distinct().ToArray());
        _display = model.CreateDisplayTopology();
        var names = data.ExpressionNames;
        Free = names.Select(n => n.StartsWith("eyeLook", StringComparison.Ordinal) ? 0f : 1f).ToArray();
        Lateral = names.Select(n => n is "jawLeft" or "jawRight" or "mouthLeft" or "mouthRight" ? 0f : 1f).ToArray();
        var pairs = SymmetricPairs(names);
        LeftOfPairs = pairs.Select(p => (long)p.Left).ToArray();
        RightOfPairs = pairs.Select(p => (long)p.Right).ToArray();
        UpperFace = tensor(UpperFaceWeights(data), device: model.Device);
    }

    /// <summary>
    /// Per vertex, 0..1, how much of the photo's texture the critic's face shows (<see cref="TransferOptions.CriticTexture"/>
    /// <c>upper-face</c>): 1 on the face's skin from the lower eyelids up (brows, forehead, eyelids), falling linearly to 0
    /// halfway from the lower eyelids to the nose tip, 0 below and off the skin (lips, mouth, teeth). Measured on the
    /// neutral mesh, so a vertex keeps its weight as the expression moves it.
    /// </summary>
    public static float[] UpperFaceWeights(FaceModelData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        float Y(int landmark) => data.Neutral[(data.Landmarks[landmark] * 3) + 1];
        var eyes = new[] { 40, 41, 46, 47 }.Average(Y); // the lower eyelids (68-point scheme)
        var low = (eyes + Y(30)) / 2; // halfway to the nose tip
        var skin = new bool[data.VertexCount];
        foreach (var v in data.VerticesOfTriangles(data.TriangleIdsWhere(r => r == FaceRegion.Face)))
        {
            skin[v] = true;
        }

        var weights = new float[data.VertexCount];
        for (var v = 0; v < data.VertexCount; v++)
        {
            weights[v] = skin[v] ? Math.Clamp((data.Neutral[(v * 3) + 1] - low) / (eyes - low), 0f, 1f) : 0f;
        }

        return weights;
    }

    /// <summary>Loads the face model and the face networks, and CLIP ViT-B/32 with its tokenizer when installed
    /// (loaded the first time a transfer asks for it).</summary>
    public static ExpressionTransfer Load(ModelStore store, Device device) =>
        new(FaceModel.Load(store, device), FacePipeline.Load(store, device), ClipCriticFactory(store, device));

    /// <summary>A factory of the CLIP critic when OpenAI's CLIP weights are installed, else null.</summary>
    public static Func<IExpressionCritic>? ClipCriticFactory(ModelStore store, Device device)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (!store.GetStatus("clip").Found)
        {
            return null;
        }

        var loaded = new Lazy<(ClipModel Model, ClipTokenizer Tokenizer)>(() =>
        {
            var path = ClipAssets.ResolveModel(store, "ViT-B/32");
            return (ClipLoader.Load(path, device).Freeze(), ClipTokenizer.Load(ClipAssets.ResolveTokenizer(store, null, path)));
        });
        return () => new ClipExpressionCritic(loaded.Value.Model, loaded.Value.Tokenizer);
    }

    public FaceModel Model { get; }

    public FacePipeline Faces { get; }

    /// <summary>The transfer's expression critics (CLIP where its weights are installed, else the embedded one).</summary>
    public CriticSource<IExpressionCritic> Critics { get; }

    /// <summary>Whether the CLIP critic can run (its weights are installed).</summary>
    public bool ClipAvailable => Critics.ClipAvailable;

    /// <summary>Per blendshape, 1 where the mapper may move it by default (gaze only when a prompt names it: <see cref="ExpressionPrior.Freed"/>).</summary>
    internal float[] Free { get; }

    /// <summary>Per blendshape, 0 for the sideways jaw and mouth shifts (only one-sided prompts move them).</summary>
    internal float[] Lateral { get; }

    internal long[] LeftOfPairs { get; }

    internal long[] RightOfPairs { get; }

    /// <summary>Per vertex, how much of the photo texture the critic's face shows (<see cref="UpperFaceWeights"/>).</summary>
    internal Tensor UpperFace { get; }

    /// <summary>The left/right blendshape pairs (name_L/name_R, jawLeft/jawRight, mouthLeft/mouthRight) the symmetry term ties.</summary>
    public static IReadOnlyList<(int Left, int Right)> SymmetricPairs(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var index = names.Select((n, i) => (n, i)).ToDictionary(x => x.n, x => x.i);
        var pairs = new List<(int, int)>();
        foreach (var (name, i) in index)
        {
            string? mirror = name.EndsWith("_L", StringComparison.Ordinal) ? name[..^2] + "_R"
                : name.EndsWith("Left", StringComparison.Ordinal) ? name[..^4] + "Right" : null;
            if (mirror is not null && index.TryGetValue(mirror, out var j))
            {
                pairs.Add((i, j));
            }
        }

        return pairs.OrderBy(p => p.Item1).ToList();
    }

    /// <summary>Transfers the prompts onto the subject. Yields progress while it runs; the last item carries the result.
    /// Each prompt gets its own mapper: a copy of <paramref name="mapper"/> when given (e.g. <see cref="ExpressionMapper.Load"/>;
    /// fine-tuned for the request, or applied as it is with 0 iterations; the given one is not changed), else a fresh one.</summary>
    public async IAsyncEnumerable<OptimisationProgress<TransferResult>> RunAsync(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions options,
        ExpressionMapper? mapper = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (prompts.Count == 0 || prompts.Any(string.IsNullOrWhiteSpace))
        {
            throw new ArgumentException("Give at least one prompt, none of them empty.", nameof(prompts));
        }

        // Read the prompts before starting, so an unreadable one fails at once.
        var critic = Critics.Create(options.Critic);
        Tensor embeddings;
        try
        {
            embeddings = critic.EmbedPrompts(prompts);
        }
        catch
        {
            critic.Dispose();
            throw;
        }

        var stream = ProgressStream.Run<OptimisationProgress<TransferResult>>((report, ct) =>
        {
            using (critic)
            using (embeddings)
            {
                Transfer(subject, prompts, options, critic, embeddings, mapper, report, ct);
            }
        }, cancellationToken);
        await foreach (var progress in stream)
        {
            yield return progress;
        }
    }

    /// <summary>Runs a transfer to the end and returns its result (progress is passed to <paramref name="report"/>).</summary>
    public async Task<TransferResult> TransferAsync(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions options,
        ExpressionMapper? mapper = null, Action<OptimisationProgress<TransferResult>>? report = null, CancellationToken cancellationToken = default)
    {
        TransferResult? result = null;
        await foreach (var p in RunAsync(subject, prompts, options, mapper, cancellationToken))
        {
            report?.Invoke(p);
            result = p.Result ?? result;
        }

        return result ?? throw new InvalidOperationException("The transfer ended without a result.");
    }

    /// <summary>
    /// Trains one mapper for <paramref name="prompt"/> across many subjects (as StyleCLIP trains one mapper per text
    /// across many faces), so that it can later be applied to a new face as it is (<c>Iterations = 0</c>) or as a start
    /// for its request. Each epoch visits every subject once, in an order drawn from the seed, and takes
    /// <see cref="TransferOptions.Iterations"/> steps of the transfer's own objective on it; one Adam optimiser runs
    /// through every visit, so a visit continues from the moments the last one left rather than starting afresh.
    /// Without <paramref name="start"/> the mapper starts fresh and without the warm start (a mapper meant for many
    /// faces must read the prompt's change from each face's own blendshapes). Runs on the calling thread; reports each
    /// step with <see cref="OptimisationProgress{TResult}.Item"/> the subject's index.
    /// </summary>
    public ExpressionMapper TrainMapper(IReadOnlyList<TransferSubject> subjects, string prompt, TransferOptions options, int epochs,
        ExpressionMapper? start = null, Action<OptimisationProgress<ExpressionMapper>>? report = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (subjects.Count == 0 || string.IsNullOrWhiteSpace(prompt) || epochs < 1 || options.Iterations < 1)
        {
            throw new ArgumentException("Training a mapper needs at least one subject, a prompt, one epoch and one iteration per visit.");
        }

        using var critic = Critics.Create(options.Critic);
        using var embeddings = critic.EmbedPrompts([prompt]);
        var mapper = start is null ? CreateMapper(critic, options.Seed) : Copy(start);
        try
        {
            CheckMapper(mapper, critic);
            mapper.to(Model.Device).train();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var views = new Generator((ulong)options.Seed, Model.Device);
            using var optimizer = MapperOptimizer([mapper], options);
            var loop = new OptimisationLoop(optimizer);
            var order = Enumerable.Range(0, subjects.Count).ToArray();
            var random = new Random((int)options.Seed);
            var steps = epochs * subjects.Count * options.Iterations;
            for (var epoch = 1; epoch <= epochs; epoch++)
            {
                random.Shuffle(order);
                foreach (var s in order)
                {
                    CheckLayout(subjects[s]);
                    using var scope = NewDisposeScope();
                    var objective = new TransferObjective(this, subjects[s], [prompt], options, critic, embeddings, [mapper], views);
                    loop.Run(options.Iterations, _ => objective.Step(), (it, step, _) =>
                    {
                        var values = step.Values();
                        report?.Invoke(new OptimisationProgress<ExpressionMapper>
                        {
                            Stage = OptimisationStage.MapperTraining,
                            Iteration = it,
                            StageIterations = options.Iterations,
                            Fraction = loop.Steps / (double)steps,
                            Elapsed = clock.Elapsed,
                            Losses = values.ToDictionary(t => t.Name, t => (double)t.Values[0]),
                            ItemLosses = [values[0].Values[0]],
                            Item = s,
                            SkippedSteps = loop.SkippedSteps,
                        });
                    }, cancellationToken);
                }
            }

            mapper.eval();
            return mapper;
        }
        catch
        {
            mapper.Dispose();
            throw;
        }
    }

    /// <summary>One request: a mapper per prompt (as StyleCLIP trains a mapper per text: prompts optimised through one
    /// shared mapper pull each other's offsets along), a copy of <paramref name="given"/> when there is one (it is
    /// left as it is), optimised on the subject; then the results.</summary>
    private void Transfer(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions o, IExpressionCritic critic, Tensor embeddings,
        ExpressionMapper? given, Action<OptimisationProgress<TransferResult>> report, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        CheckLayout(subject);
        if (given is not null)
        {
            CheckMapper(given, critic);
        }

        var count = prompts.Count;
        var mappers = Enumerable.Range(0, count).Select(_ => given is null ? CreateMapper(critic, o.Seed) : Copy(given)).ToList();
        mappers.ForEach(m => m.to(Model.Device));
        using var scope = NewDisposeScope();
        using var views = new Generator((ulong)o.Seed, Model.Device);
        var objective = new TransferObjective(this, subject, prompts, o, critic, embeddings, mappers, views);
        if (given is null && o.WarmStart)
        {
            // Start from the critic's prototype where it has one: the prompt's blendshapes at their levels, its antagonists at zero.
            using var noGrad = no_grad();
            var start = objective.PrototypeStart();
            for (var k = 0; k < count; k++)
            {
                if (objective.WarmStarts[k])
                {
                    mappers[k].StartFrom(start[k]);
                }
            }
        }

        timings["setup"] = clock.Elapsed.TotalSeconds;
        var optimiseClock = System.Diagnostics.Stopwatch.StartNew();
        var (best, history, skipped) = Optimise(objective, mappers, o, count, clock, report, ct);
        timings["optimise"] = optimiseClock.Elapsed.TotalSeconds;

        var finishClock = System.Diagnostics.Stopwatch.StartNew();
        var result = Finish(subject, prompts, o, critic, mappers, best, history, timings) with { SkippedSteps = skipped };
        timings["finish"] = finishClock.Elapsed.TotalSeconds;
        timings["total"] = clock.Elapsed.TotalSeconds;
        report(new OptimisationProgress<TransferResult>
        {
            Stage = OptimisationStage.Done,
            Iteration = o.Iterations,
            StageIterations = o.Iterations,
            Fraction = 1,
            Elapsed = clock.Elapsed,
            Losses = history[0].Count > 0 ? history.SelectMany(h => h[^1]).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)) : new Dictionary<string, double>(),
            ItemLosses = history.Select(h => h.Count > 0 ? h[^1]["critic"] : double.NaN).ToArray(),
            SkippedSteps = skipped,
            Vertices = result.Prompts.Select(p => p.PosedVertices).ToArray(),
            Result = result,
        });
    }

    /// <summary>
    /// The mappers' optimisation: <see cref="TransferOptions.Iterations"/> steps of the objective. The renders'
    /// classification is not smooth (hard rasterised edges, a classifier, a jittered view), so the loss is noisy: each
    /// prompt keeps the weights of the step with the lowest exponentially smoothed loss (a loss that is not finite is
    /// left out). With no iterations the mappers are applied as they are. Returns those weights [K, E], each prompt's
    /// loss history and the steps skipped.
    /// </summary>
    private (Tensor Best, List<List<IReadOnlyDictionary<string, double>>> History, int Skipped) Optimise(TransferObjective objective,
        IReadOnlyList<ExpressionMapper> mappers, TransferOptions o, int count, System.Diagnostics.Stopwatch clock,
        Action<OptimisationProgress<TransferResult>> report, CancellationToken ct)
    {
        var history = Enumerable.Range(0, count).Select(_ => new List<IReadOnlyDictionary<string, double>>()).ToList();
        Tensor best;
        using (no_grad())
        {
            best = objective.Raw().clamp(0, 1);
        }

        if (o.Iterations == 0)
        {
            return (best, history, 0);
        }

        var bestLoss = Enumerable.Repeat(double.PositiveInfinity, count).ToArray();
        var smoothed = new double[count];
        foreach (var m in mappers)
        {
            m.train();
        }

        using var optimizer = MapperOptimizer(mappers, o);
        var loop = new OptimisationLoop(optimizer);
        loop.Run(o.Iterations, _ => objective.Step(), (it, step, _) =>
        {
            var terms = step.Values();
            var totals = terms[^1].Values;
            using (no_grad())
            {
                for (var k = 0; k < count; k++)
                {
                    history[k].Add(terms.ToDictionary(t => t.Name, t => (double)t.Values[k]));
                    if (!float.IsFinite(totals[k]))
                    {
                        continue;
                    }

                    smoothed[k] = double.IsPositiveInfinity(bestLoss[k]) ? totals[k] : (0.7 * smoothed[k]) + (0.3 * totals[k]);
                    if (smoothed[k] < bestLoss[k])
                    {
                        bestLoss[k] = smoothed[k];
                        best[k].copy_(step.Weights[k].detach());
                    }
                }
            }

            var due = o.PreviewEvery > 0 && (it % o.PreviewEvery == 0 || it == o.Iterations);
            report(new OptimisationProgress<TransferResult>
            {
                Stage = OptimisationStage.Transfer,
                Iteration = it,
                StageIterations = o.Iterations,
                Fraction = it / (double)(o.Iterations + 1),
                Elapsed = clock.Elapsed,
                Losses = terms.ToDictionary(t => t.Name, t => (double)t.Values.Sum()),
                ItemLosses = terms[0].Values.Select(v => (double)v).ToArray(),
                SkippedSteps = loop.SkippedSteps,
                PreviewPng = due ? Strip(step.Composite.detach(), o.PreviewSize) : null,
                Vertices = due ? Split(step.Posed.detach(), count) : null,
            });
        }, ct);
        foreach (var m in mappers)
        {
            m.eval();
        }

        return (best, history, loop.SkippedSteps);
    }

    /// <summary>Adam over the mappers: the head at the full rate, the body (embeddings and blocks) slower — when every
    /// weight of the body takes an Adam step at once the features, and so every offset, jump.</summary>
    private static optim.Optimizer MapperOptimizer(IReadOnlyList<ExpressionMapper> mappers, TransferOptions o) => optim.Adam([
        new Adam.ParamGroup(mappers.SelectMany(m => m.HeadParameters()), o.LearningRate),
        new Adam.ParamGroup(mappers.SelectMany(m => m.BodyParameters()), o.LearningRate * o.BodyRate)]);

    private void CheckLayout(TransferSubject subject)
    {
        if (subject.Layout != Model.Layout)
        {
            throw new ArgumentException("The subject's codes do not have this face model's layout.", nameof(subject));
        }
    }

    private TransferResult Finish(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions o, IExpressionCritic critic, IReadOnlyList<ExpressionMapper> mappers,
        Tensor weights, List<List<IReadOnlyDictionary<string, double>>> history, Dictionary<string, double> timings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var count = prompts.Count;
        var layout = Model.Layout;
        var scene1 = new TransferScene(this, subject, count + 1);
        var all = cat([scene1.Beta, weights], 0); // item 0: the subject's own expression
        var (composite, boxes, posedHeads) = scene1.Composite(all, CriticFace(o), o.CriticTexture);
        var probabilities = Faces.ExpressionNet.Probabilities(ExpressionCrops.Extract(composite, boxes)).cpu().data<float>().ToArray();
        var (heldOut, heldBoxes) = scene1.HeldOut(all, CriticFace(o), o.HeldOutYaw, o.CriticTexture);
        var heldProbabilities = Faces.ExpressionNet.Probabilities(ExpressionCrops.Extract(heldOut, heldBoxes)).cpu().data<float>().ToArray();
        var descriptors = Descriptors(scene1, composite, posedHeads).cpu().data<float>().ToArray();
        var shown = scene1.Display(all, _display);
        var shownLandmarks = scene1.DisplayLandmarks(posedHeads);
        var unposed = Model.ComputeShape(scene1.Shape.expand(count + 1, -1), all).cpu().data<float>().ToArray();
        var posed = posedHeads.cpu().data<float>().ToArray();
        var weightValues = all.cpu().data<float>().ToArray();
        var stride = Model.VertexCount * 3;
        var e = layout.Expression;
        float[] Row(float[] values, int k, int width) => values.AsSpan(k * width, width).ToArray();
        byte[] PngOf(Tensor image, Tensor? mask, float background) => Reconstructor.Png(image, mask, background);
        byte[]? Overlay(int k) => subject.Photo is null ? null
            : PngOf(PhotoOverlay.Blend(subject.Photo.Pixels.to(Model.Device), shown.Image.narrow(0, k, 1), shown.Mask.narrow(0, k, 1), subject.Crop), null, 1f);
        var sourceDescriptor = Row(descriptors, 0, 128);
        var transfers = new List<PromptTransfer>();
        for (var k = 0; k < count; k++)
        {
            var newExpression = Row(weightValues, k + 1, e);
            var codes = (float[])subject.Codes.Clone();
            newExpression.CopyTo(codes, layout.ExpressionOffset);
            transfers.Add(new PromptTransfer
            {
                Prompt = prompts[k],
                Slug = Slug(prompts[k], transfers.Select(t => t.Slug)),
                Target = critic.Targets?[k],
                Codes = codes,
                Expression = newExpression,
                Delta = newExpression.Zip(subject.Expression, (a, b) => a - b).ToArray(),
                Vertices = Row(unposed, k + 1, stride),
                PosedVertices = Row(posed, k + 1, stride),
                RenderPng = PngOf(shown.Image.narrow(0, k + 1, 1), shown.Mask.narrow(0, k + 1, 1), 0.5f),
                RenderLandmarks = shownLandmarks[k + 1],
                CompositePng = PngOf(composite.narrow(0, k + 1, 1), null, 1f),
                OverlayPng = Overlay(k + 1),
                Probabilities = Row(probabilities, k + 1, 7),
                HeldOutProbabilities = Row(heldProbabilities, k + 1, 7),
                IdentityDistance = IdentityLoss.Distance(sourceDescriptor, Row(descriptors, k + 1, 128)),
                LossHistory = history[k],
            });
        }

        return new TransferResult
        {
            Subject = subject,
            Prompts = transfers,
            Critic = critic.Kind,
            CriticDescription = critic.Description,
            Device = TorchRuntime.Describe(Model.Device),
            SourceRenderPng = PngOf(shown.Image.narrow(0, 0, 1), shown.Mask.narrow(0, 0, 1), 0.5f),
            SourceRenderLandmarks = shownLandmarks[0],
            SourceCompositePng = PngOf(composite.narrow(0, 0, 1), null, 1f),
            SourceProbabilities = Row(probabilities, 0, 7),
            SourceHeldOutProbabilities = Row(heldProbabilities, 0, 7),
            SourceVertices = Row(unposed, 0, stride),
            Iterations = o.Iterations,
            Timings = timings,
            Mappers = mappers,
        };
    }

    internal MeshTopology CriticFace(TransferOptions o) => o.ModelEyes ? _faceWithEyes : _face;

    /// <summary>Face descriptors [N, 128] of renders, each cropped by face-api's alignment box of its posed landmarks.</summary>
    internal Tensor Descriptors(TransferScene scene, Tensor composite, Tensor posed)
    {
        var boxes = scene.DescriptorBoxes(posed);
        return Faces.RecognitionNet.Descriptors(cat(boxes
            .Select((box, k) => FaceCrop.CropResize(composite.narrow(0, k, 1), box, FaceRecognitionNet.InputSize)).ToArray(), 0));
    }

    private ExpressionMapper CreateMapper(IExpressionCritic critic, long seed)
    {
        using var generator = new Generator((ulong)seed);
        return new ExpressionMapper(new ExpressionMapperConfig(Model.Layout.Expression, Model.Layout.Shape + Model.Layout.Texture, critic.PromptDimensions, Critic: critic.Kind), generator);
    }

    private static ExpressionMapper Copy(ExpressionMapper source)
    {
        var copy = new ExpressionMapper(source.Config);
        using var noGrad = no_grad();
        copy.load_state_dict(source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().cpu()));
        return copy;
    }

    private void CheckMapper(ExpressionMapper mapper, IExpressionCritic critic)
    {
        var c = mapper.Config;
        if (c.Critic != critic.Kind || c.PromptInputs != critic.PromptDimensions)
        {
            throw new ArgumentException($"This mapper was trained with the {c.Critic.Name()} critic ({c.PromptInputs}-value prompt embeddings); this transfer uses the {critic.Kind.Name()} critic ({critic.PromptDimensions}).");
        }

        if (c.Expressions != Model.Layout.Expression || c.IdentityInputs != Model.Layout.Shape + Model.Layout.Texture)
        {
            throw new ArgumentException($"This mapper was made for {c.Expressions} blendshapes and {c.IdentityInputs} identity inputs, not this face model's.");
        }
    }

    /// <summary>A folder-safe slug of a prompt (lower-case letters, digits and dashes), unique among <paramref name="taken"/>.</summary>
    public static string Slug(string prompt, IEnumerable<string>? taken = null)
    {
        var chars = (prompt ?? string.Empty).ToLowerInvariant().Select(c => char.IsAsciiLetterOrDigit(c) ? c : '-').ToArray();
        var slug = string.Join('-', new string(chars).Split('-', StringSplitOptions.RemoveEmptyEntries));
        slug = slug.Length == 0 ? "prompt" : slug[..Math.Min(slug.Length, 48)].Trim('-');
        var used = taken?.ToHashSet() ?? [];
        var unique = slug;
        for (var n = 2; used.Contains(unique); n++)
        {
            unique = $"{slug}-{n}";
        }

        return unique;
    }

    private static byte[] Strip(Tensor images, int size)
    {
        using var scope = NewDisposeScope();
        var small = nn.functional.interpolate(images, [size, size], mode: InterpolationMode.Bilinear, align_corners: false);
        var strip = cat(Enumerable.Range(0, (int)images.shape[0]).Select(k => small[k]).ToArray(), 2).unsqueeze(0);
        return Reconstructor.Png(strip, null, 1f);
    }

    private static IReadOnlyList<float[]> Split(Tensor posed, int count)
    {
        var values = posed.cpu().data<float>().ToArray();
        var stride = values.Length / count;
        return Enumerable.Range(0, count).Select(k => values.AsSpan(k * stride, stride).ToArray()).ToArray();
    }

    public void Dispose()
    {
        _face.Dispose();
        _faceWithEyes.Dispose();
        _display.Dispose();
        UpperFace.Dispose();
    }
}
