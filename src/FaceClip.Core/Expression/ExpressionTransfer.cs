using System.Diagnostics;
using System.Runtime.CompilerServices;
using FaceClip.Core.Clip;
using FaceClip.Core.Geometry;
using FaceClip.Core.Losses;
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
/// [0, 1]; gaze blendshapes are frozen. Progress streams as <see cref="TransferProgress"/>.
/// </summary>
public sealed class ExpressionTransfer : IDisposable
{
    private readonly Func<IExpressionCritic>? _clipCritic;
    private readonly MeshTopology _face;
    private readonly MeshTopology _faceWithEyes;
    private readonly MeshTopology _display;
    private readonly float[] _free;
    private readonly float[] _lateral;
    private readonly long[] _left;
    private readonly long[] _right;
    private readonly Tensor _upperFace;

    public ExpressionTransfer(FaceModel model, FacePipeline faces, Func<IExpressionCritic>? clipCriticFactory = null)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Faces = faces ?? throw new ArgumentNullException(nameof(faces));
        _clipCritic = clipCriticFactory;
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
        _free = names.Select(n => n.StartsWith("eyeLook", StringComparison.Ordinal) ? 0f : 1f).ToArray();
        _lateral = names.Select(n => n is "jawLeft" or "jawRight" or "mouthLeft" or "mouthRight" ? 0f : 1f).ToArray();
        var pairs = SymmetricPairs(names);
        _left = pairs.Select(p => (long)p.Left).ToArray();
        _right = pairs.Select(p => (long)p.Right).ToArray();
        _upperFace = tensor(UpperFaceWeights(data), device: model.Device);
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

    /// <summary>Whether the CLIP critic can run (its weights are installed).</summary>
    public bool ClipAvailable => _clipCritic is not null;

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

    /// <summary>The critic a request asks for (<c>auto</c>: CLIP when installed, else the embedded one).</summary>
    public IExpressionCritic CreateCritic(string requested)
    {
        if (requested == "clip" || (requested == "auto" && _clipCritic is not null))
        {
            return _clipCritic?.Invoke() ?? throw new ModelAssetException("clip",
                "The CLIP critic needs OpenAI's CLIP weights (ViT-B-32.pt). Run `faceclip models fetch clip`, or use --critic face.");
        }

        return new EmbeddedExpressionCritic(Faces.ExpressionNet);
    }

    /// <summary>Transfers the prompts onto the subject. Yields progress while it runs; the last item carries the result.
    /// Each prompt gets its own mapper: a copy of <paramref name="mapper"/> when given (e.g. <see cref="ExpressionMapper.Load"/>;
    /// fine-tuned for the request, or applied as it is with 0 iterations; the given one is not changed), else a fresh one.</summary>
    public async IAsyncEnumerable<TransferProgress> RunAsync(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions options,
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
        var critic = CreateCritic(options.Critic);
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

        var stream = ProgressStream.Run<TransferProgress>((report, ct) =>
        {
            using (critic)
            using (embeddings)
            {
                Optimise(subject, prompts, options, critic, embeddings, mapper, report, ct);
            }
        }, cancellationToken);
        await foreach (var progress in stream)
        {
            yield return progress;
        }
    }

    /// <summary>Runs a transfer to the end and returns its result (progress is passed to <paramref name="report"/>).</summary>
    public async Task<TransferResult> TransferAsync(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions options,
        ExpressionMapper? mapper = null, Action<TransferProgress>? report = null, CancellationToken cancellationToken = default)
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
    /// <see cref="TransferOptions.Iterations"/> Adam steps of the transfer's own objective on it. Without
    /// <paramref name="start"/> the mapper starts fresh and without the warm start (a mapper meant for many faces must
    /// read the prompt's change from each face's own blendshapes). Runs on the calling thread.
    /// </summary>
    public ExpressionMapper TrainMapper(IReadOnlyList<TransferSubject> subjects, string prompt, TransferOptions options, int epochs,
        ExpressionMapper? start = null, Action<MapperTrainingProgress>? report = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(subjects);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (subjects.Count == 0 || string.IsNullOrWhiteSpace(prompt) || epochs < 1 || options.Iterations < 1)
        {
            throw new ArgumentException("Training a mapper needs at least one subject, a prompt, one epoch and one iteration per visit.");
        }

        using var critic = CreateCritic(options.Critic);
        using var embeddings = critic.EmbedPrompts([prompt]);
        var mapper = start is null ? CreateMapper(critic, options.Seed) : Copy(start);
        try
        {
            var order = Enumerable.Range(0, subjects.Count).ToArray();
            var random = new Random((int)options.Seed);
            var visit = 0;
            for (var epoch = 1; epoch <= epochs; epoch++)
            {
                random.Shuffle(order);
                foreach (var s in order)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var losses = new List<double>();
                    Optimise(subjects[s], [prompt], options, critic, embeddings, mapper, p => losses.Add(p.PromptLosses[0]), cancellationToken, trainInPlace: true);
                    visit++;
                    report?.Invoke(new MapperTrainingProgress(epoch, epochs, visit, epochs * subjects.Count, s, losses.Count > 0 ? losses[0] : double.NaN, losses.Count > 0 ? losses[^1] : double.NaN));
                }
            }

            return mapper;
        }
        catch
        {
            mapper.Dispose();
            throw;
        }
    }

    private void Optimise(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions o, IExpressionCritic critic, Tensor embeddings,
        ExpressionMapper? given, Action<TransferProgress> report, CancellationToken ct, bool trainInPlace = false)
    {
        var clock = Stopwatch.StartNew();
        var timings = new Dictionary<string, double>();
        var device = Model.Device;
        var layout = Model.Layout;
        if (subject.Layout != layout)
        {
            throw new ArgumentException("The subject's codes do not have this face model's layout.", nameof(subject));
        }

        var count = prompts.Count;
        if (given is not null)
        {
            CheckMapper(given, critic);
        }

        // One mapper per prompt (as StyleCLIP trains a mapper per text): prompts optimised through one shared mapper
        // pull each other's offsets along. A given mapper is copied for each prompt and left as it is, unless it is
        // being trained across subjects (TrainMapper: one prompt, the mapper itself is trained).
        var mappers = trainInPlace && given is not null && count == 1 ? [given]
            : Enumerable.Range(0, count).Select(_ => given is null ? CreateMapper(critic, o.Seed) : Copy(given)).ToList();
        mappers.ForEach(m => m.to(device));
        Tensor MapAll(Tensor b, Tensor id, Tensor p) => cat(mappers.Select((m, k) => m.forward(b.narrow(0, k, 1), id.narrow(0, k, 1), p.narrow(0, k, 1))).ToArray(), 0);
        using var scope = NewDisposeScope();
        // Every step renders each prompt's face from o.Views random views in one batch, view-major: render v * count + k
        // is prompt k seen from view v.
        var views = o.Views;
        var scene = new Scene(this, subject, count * views);
        var prompt = embeddings.to(device);
        var identity = cat([scene.Shape, scene.TextureCodes], 1).expand(count, -1);
        var beta = scene.Beta.expand(count, -1);
        var targets = critic.Targets;
        var symmetric = tensor(prompts.Select((p, k) => (targets?[k].Symmetric ?? !ExpressionLexicon.IsOneSided(p)) ? 1f : 0f).ToArray(), device: device);

        // Gaze never moves; sideways jaw and mouth shifts only for one-sided prompts.
        var lateral = tensor(_lateral, device: device).view(1, -1);
        var free = tensor(_free, device: device).view(1, -1) * (lateral + ((1 - lateral) * (1 - symmetric.view(-1, 1))));
        // Plausibility (embedded critic, see ExpressionPrototypes): moving the blendshapes of the prompt's expressions
        // costs little, moving the others costs more; the prototype's blendshapes are pulled up to their levels and its
        // antagonists towards zero. With CLIP every blendshape costs the same and there is no prototype.
        var names = Model.Data.ExpressionNames;
        var plans = prompts.Select((_, k) => targets is null
            ? (Relevance: new float[names.Length], Levels: new float[names.Length], Antagonism: new float[names.Length])
            : ExpressionPrototypes.Plan(names, targets[k].Probabilities, targets[k].Intensity * o.PrototypeLevel)).ToList();
        Tensor PerPrompt(Func<int, IEnumerable<float>> row) => tensor(Enumerable.Range(0, count).SelectMany(row).ToArray(), device: device).view(count, names.Length);
        var sparsityScale = targets is null ? ones(count, names.Length, device: device)
            : PerPrompt(k => plans[k].Relevance.Select(r => (float)(((1 - r) * o.OffPrototypeFactor) + (r * o.OnPrototypeFactor))));
        var prototypeMask = PerPrompt(k => plans[k].Relevance) * free;
        var prototypeLevels = PerPrompt(k => plans[k].Levels);
        var antagonism = PerPrompt(k => plans[k].Antagonism) * free;
        if (given is null && o.WarmStart && targets is not null)
        {
            // Start from the prototype: the prompt's blendshapes at their levels, its antagonists at zero.
            using var noGrad = no_grad();
            var start = (nn.functional.relu(prototypeLevels - beta) * prototypeMask) - (antagonism.clamp_max(1) * beta);
            for (var k = 0; k < count; k++)
            {
                mappers[k].StartFrom(start[k]);
            }
        }

        // Identity (StyleCLIP's L_ID): the face descriptor of each prompt's fitted view stays near the subject's own, past
        // a margin the expression itself may take. Needs the fitted view in every step's batch.
        var identityOn = o.IdentityWeight > 0 && o.FittedView && views > 1;
        Tensor? reference = null;
        if (identityOn)
        {
            using var noGrad = no_grad();
            var own = new Scene(this, subject, 1);
            var (ownComposite, _, ownPosed) = own.Composite(own.Beta, CriticFace(o), o.CriticTexture);
            reference = Descriptors(own, ownComposite, ownPosed);
        }

        using var left = tensor(_left, device: device);
        using var right = tensor(_right, device: device);
        var history = Enumerable.Range(0, count).Select(_ => new List<IReadOnlyDictionary<string, double>>()).ToList();
        using var generator = new Generator((ulong)o.Seed, device);
        timings["setup"] = clock.Elapsed.TotalSeconds;

        var optimiseClock = Stopwatch.StartNew();
        mappers.ForEach(m => m.train());

        // The renders' classification is not smooth (hard rasterised edges, a classifier, a jittered view), so the loss
        // is noisy: each prompt keeps the weights of the iteration with the lowest exponentially smoothed loss.
        var best = beta.clone();
        var bestLoss = Enumerable.Repeat(double.PositiveInfinity, count).ToArray();
        var smoothed = new double[count];
        var skipped = 0;
        // The head moves at the full rate, the body (embeddings and blocks) slower: when every weight of the body takes
        // an Adam step at once the features, and so every offset, jump.
        using (var optimizer = optim.Adam([
                   new Adam.ParamGroup(mappers.SelectMany(m => m.HeadParameters()), o.LearningRate),
                   new Adam.ParamGroup(mappers.SelectMany(m => m.BodyParameters()), o.LearningRate * o.BodyRate)]))
        {
            for (var it = 1; it <= o.Iterations; it++)
            {
                ct.ThrowIfCancellationRequested();
                using var step = NewDisposeScope();
                optimizer.zero_grad();
                var raw = beta + (MapAll(beta, identity, prompt) * free);
                var weights = raw.clamp(0, 1);
                var (composite, boxes, posed) = scene.Composite(views == 1 ? weights : weights.repeat(views, 1), CriticFace(o), o.CriticTexture, scene.RandomViews(o, generator, o.FittedView && views > 1 ? count : 0));
                var effective = weights - beta;
                // The critic's loss averaged over the views: a change that reads from one view only gains little.
                var criticLoss = critic.Loss(composite, boxes).view(views, count).mean([0]) * o.CriticWeight;
                var delta = effective.square().sum(1) * o.DeltaWeight;
                // Raising a blendshape costs by the prototype scale; relaxing one (towards 0, e.g. undoing the subject's
                // own smile for "sad") is always plausible and costs the on-prototype rate.
                var sparsity = ((nn.functional.relu(effective) * sparsityScale) + (nn.functional.relu(-effective) * o.OnPrototypeFactor * (targets is null ? 4 : 1))).sum(1) * o.SparsityWeight;
                // Symmetry of the new expression itself (not only of the change): the fit's own left/right noise goes too.
                var symmetry = (weights.index_select(1, left) - weights.index_select(1, right)).square().sum(1) * symmetric * o.SymmetryWeight;

                // EMFACS prior (embedded critic): the prompt's prototype blendshapes are pulled up to their levels (times
                // the prompt's intensity) and the blendshapes that contradict it towards zero (see ExpressionPrototypes).
                var prototype = (nn.functional.relu(prototypeLevels - weights).square() * prototypeMask).sum(1) * o.PrototypeWeight;
                var antagonist = (weights.square() * antagonism).sum(1) * o.AntagonistWeight;
                var range = (nn.functional.relu(-raw).square() + nn.functional.relu(raw - 1).square()).sum(1) * o.RangeWeight;
                var identityLoss = reference is null ? zeros(count, device: device)
                    : nn.functional.relu(IdentityLoss.Distances(reference, Descriptors(scene, composite.narrow(0, 0, count), posed.narrow(0, 0, count))) - o.IdentityMargin) * o.IdentityWeight;
                var perPrompt = criticLoss + delta + sparsity + symmetry + range + prototype + antagonist + identityLoss;
                var totals = perPrompt.detach().cpu().data<float>().ToArray();
                using (no_grad())
                {
                    for (var k = 0; k < count; k++)
                    {
                        // Smoothed over the last few steps: one step's loss is that of a few random views. A loss that
                        // is not finite (its step is skipped below) is left out.
                        if (!float.IsFinite(totals[k]))
                        {
                            continue;
                        }

                        smoothed[k] = double.IsPositiveInfinity(bestLoss[k]) ? totals[k] : (0.7 * smoothed[k]) + (0.3 * totals[k]);
                        if (smoothed[k] < bestLoss[k])
                        {
                            bestLoss[k] = smoothed[k];
                            best[k].copy_(weights[k].detach());
                        }
                    }
                }

                perPrompt.sum().backward();
                // A step whose gradient is not finite (a degenerate render, a descriptor crop at the edge) is skipped, as
                // mixed-precision training skips overflowing steps: one NaN would otherwise spread through Adam's moments
                // into every later offset.
                var gradients = mappers.SelectMany(m => m.parameters()).Select(p => p.grad).OfType<Tensor>().Select(g => g.isfinite().all()).ToArray();
                if (gradients.Length == 0 || stack(gradients).all().item<bool>())
                {
                    optimizer.step();
                }
                else
                {
                    skipped++;
                }

                var terms = new (string Name, float[] Values)[]
                {
                    ("critic", criticLoss.detach().cpu().data<float>().ToArray()), ("delta", delta.detach().cpu().data<float>().ToArray()),
                    ("sparsity", sparsity.detach().cpu().data<float>().ToArray()), ("symmetry", symmetry.detach().cpu().data<float>().ToArray()),
                    ("range", range.detach().cpu().data<float>().ToArray()),
                    ("prototype", prototype.detach().cpu().data<float>().ToArray()), ("antagonist", antagonist.detach().cpu().data<float>().ToArray()),
                    ("identity", identityLoss.detach().cpu().data<float>().ToArray()),
                    ("total", perPrompt.detach().cpu().data<float>().ToArray()),
                };
                for (var k = 0; k < count; k++)
                {
                    history[k].Add(terms.ToDictionary(t => t.Name, t => (double)t.Values[k]));
                }

                var due = o.PreviewEvery > 0 && (it % o.PreviewEvery == 0 || it == o.Iterations);
                report(new TransferProgress
                {
                    Stage = "transfer",
                    Iteration = it,
                    Iterations = o.Iterations,
                    Fraction = it / (double)(o.Iterations + 1),
                    Elapsed = clock.Elapsed,
                    Losses = terms.ToDictionary(t => t.Name, t => (double)t.Values.Sum()),
                    PromptLosses = terms[0].Values.Select(v => (double)v).ToArray(),
                    PreviewPng = due ? Strip(composite.narrow(0, 0, count).detach(), o.PreviewSize) : null,
                    Vertices = due ? Split(posed.narrow(0, 0, count).detach(), count) : null,
                });
            }
        }

        timings["optimise"] = optimiseClock.Elapsed.TotalSeconds;
        mappers.ForEach(m => m.eval());
        if (trainInPlace)
        {
            return;
        }

        var finishClock = Stopwatch.StartNew();
        if (o.Iterations == 0)
        {
            using var noGrad = no_grad();
            best = (beta + (MapAll(beta, identity, prompt) * free)).clamp(0, 1);
        }

        var result = Finish(subject, prompts, o, critic, mappers, best, history, timings) with { SkippedSteps = skipped };
        timings["finish"] = finishClock.Elapsed.TotalSeconds;
        timings["total"] = clock.Elapsed.TotalSeconds;
        report(new TransferProgress
        {
            Stage = "done",
            Iteration = o.Iterations,
            Iterations = o.Iterations,
            Fraction = 1,
            Elapsed = clock.Elapsed,
            Losses = history[0].Count > 0 ? Enumerable.Range(0, count).SelectMany(k => history[k][^1]).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Sum(kv => kv.Value)) : new Dictionary<string, double>(),
            PromptLosses = history.Select(h => h.Count > 0 ? h[^1]["critic"] : double.NaN).ToArray(),
            Vertices = result.Prompts.Select(p => p.PosedVertices).ToArray(),
            Result = result,
        });
    }

    private TransferResult Finish(TransferSubject subject, IReadOnlyList<string> prompts, TransferOptions o, IExpressionCritic critic, IReadOnlyList<ExpressionMapper> mappers,
        Tensor weights, List<List<IReadOnlyDictionary<string, double>>> history, Dictionary<string, double> timings)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var count = prompts.Count;
        var layout = Model.Layout;
        var scene1 = new Scene(this, subject, count + 1);
        var all = cat([scene1.Beta, weights], 0); // item 0: the subject's own expression
        var (composite, boxes, posedHeads) = scene1.Composite(all, CriticFace(o), o.CriticTexture);
        var probabilities = Faces.ExpressionNet.Probabilities(ExpressionCrops.Extract(composite, boxes)).cpu().data<float>().ToArray();
        var (heldOut, heldBoxes) = scene1.HeldOut(all, CriticFace(o), o.HeldOutYaw, o.CriticTexture);
        var heldProbabilities = Faces.ExpressionNet.Probabilities(ExpressionCrops.Extract(heldOut, heldBoxes)).cpu().data<float>().ToArray();
        var descriptors = Descriptors(scene1, composite, posedHeads).cpu().data<float>().ToArray();
        var shown = scene1.Display(all, _display);
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
            SourceCompositePng = PngOf(composite.narrow(0, 0, 1), null, 1f),
            SourceProbabilities = Row(probabilities, 0, 7),
            SourceHeldOutProbabilities = Row(heldProbabilities, 0, 7),
            SourceVertices = Row(unposed, 0, stride),
            Iterations = o.Iterations,
            Timings = timings,
            Mappers = mappers,
        };
    }

    private MeshTopology CriticFace(TransferOptions o) => o.ModelEyes ? _faceWithEyes : _face;

    /// <summary>Face descriptors [N, 128] of renders, each cropped by face-api's alignment box of its posed landmarks.</summary>
    private Tensor Descriptors(Scene scene, Tensor composite, Tensor posed)
    {
        var boxes = scene.DescriptorBoxes(posed);
        return Faces.RecognitionNet.Descriptors(cat(boxes
            .Select((box, k) => FaceCrop.CropResize(composite.narrow(0, k, 1), box, FaceRecognitionNet.InputSize)).ToArray(), 0));
    }

    private ExpressionMapper CreateMapper(IExpressionCritic critic, long seed)
    {
        random.manual_seed(seed);
        return new ExpressionMapper(new ExpressionMapperConfig(Model.Layout.Expression, Model.Layout.Shape + Model.Layout.Texture, critic.PromptDimensions, Critic: critic.Kind));
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
            throw new ArgumentException($"This mapper was trained with the {c.Critic} critic ({c.PromptInputs}-value prompt embeddings); this transfer uses the {critic.Kind} critic ({critic.PromptDimensions}).");
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
        _upperFace.Dispose();
    }

    /// <summary>The fixed parts of a subject on the device, batched for <c>count</c> renders.</summary>
    private sealed class Scene
    {
        private readonly ExpressionTransfer _owner;
        private readonly int _count;
        private readonly Tensor _rotation;
        private readonly Tensor _translation;
        private readonly Tensor _lighting;
        private readonly Tensor _albedo;
        private readonly Tensor? _uv;
        private readonly Tensor _photo;
        private readonly MeshRenderer _renderer;
        private readonly Tensor _angles;

        public Scene(ExpressionTransfer owner, TransferSubject subject, int count)
        {
            _owner = owner;
            _count = count;
            var model = owner.Model;
            var device = model.Device;
            var layout = model.Layout;
            Tensor Part(int offset, int length) => tensor(subject.Codes.AsSpan(offset, length).ToArray(), device: device).view(1, length);
            Shape = Part(layout.ShapeOffset, layout.Shape);
            Beta = Part(layout.ExpressionOffset, layout.Expression);
            TextureCodes = Part(layout.TextureOffset, layout.Texture);
            _angles = Part(layout.RotationOffset, FaceCodeLayout.Rotation);
            _rotation = FaceModel.ComputeRotation(_angles).expand(count, 3, 3);
            _translation = Part(layout.TranslationOffset, FaceCodeLayout.Translation).expand(count, 3);
            _lighting = Part(layout.LightingOffset, FaceCodeLayout.Lighting).expand(count, FaceCodeLayout.Lighting);
            _albedo = model.ComputeAlbedo(TextureCodes).clamp(0, 1);
            if (subject.Texture is not null)
            {
                using var image = FaceImage.FromImage(subject.Texture, device);
                _uv = (image.Pixels / 255.0).expand(count, -1, -1, -1);
            }

            var size = subject.Camera.Width;
            _photo = subject.Photo is null
                ? full(1, 3, size, size, 0.5f, device: device)
                : subject.Crop.Extract(subject.Photo.Pixels.to(device));
            Camera = subject.Camera;
            _renderer = new MeshRenderer(subject.Camera);
        }

        public Tensor Shape { get; }

        /// <summary>One random view per render: the fitted head pose turned by a yaw and a pitch uniform in
        /// ±<see cref="TransferOptions.ViewJitter"/>, ±<see cref="TransferOptions.PitchJitter"/>; the fitted light,
        /// mirrored left-right with probability <see cref="TransferOptions.LightFlip"/>; the expression box scaled and
        /// shifted by up to <see cref="TransferOptions.CropJitter"/>. A range of 0 draws nothing from the generator.</summary>
        public View RandomViews(TransferOptions o, Generator generator, int fitted = 0)
        {
            var device = _angles.device;
            // The first `fitted` renders keep the fitted view (the draws are made all the same, so runs stay reproducible).
            var keep = cat([zeros(fitted, 1, device: device), ones(_count - fitted, 1, device: device)], 0);
            Tensor? rotation = null;
            if (o.ViewJitter > 0 || o.PitchJitter > 0)
            {
                var offsets = (rand(_count, 3, generator: generator, device: device) * 2) - 1;
                var scale = tensor(new[] { (float)o.PitchJitter, (float)o.ViewJitter, 0f }, device: device);
                rotation = FaceModel.ComputeRotation(_angles + (offsets * scale * keep));
            }

            Tensor? lighting = null;
            if (o.LightFlip > 0)
            {
                var flip = rand(_count, 1, generator: generator, device: device).lt(o.LightFlip).to(_lighting.dtype) * keep;
                lighting = _lighting * (1 + (flip * (MirrorLight(device).view(1, -1) - 1)));
            }

            float[]? crop = null;
            if (o.CropJitter > 0)
            {
                crop = (((rand(_count, 3, generator: generator, device: device) * 2) - 1) * o.CropJitter * keep).cpu().data<float>().ToArray();
            }

            return new View(rotation, lighting, crop);
        }

        public Tensor Beta { get; }

        public Tensor TextureCodes { get; }

        public PerspectiveCamera Camera { get; }

        /// <summary>Per render: a rotation [N, 3, 3], SH lighting [N, 27] and (scale, shift x, shift y) of the expression
        /// box [N x 3] on the CPU; null parts are the fitted ones.</summary>
        public sealed record View(Tensor? Rotation, Tensor? Lighting, float[]? Crop);

        public Tensor Posed(Tensor weights, Tensor? rotation = null) =>
            FaceModel.ApplyPose(_owner.Model.ComputeShape(Shape.expand(_count, -1), weights), rotation ?? _rotation, _translation);

        /// <summary>Renders the face with the given weights and composites it over the photo crop; also the expression boxes.</summary>
        public (Tensor Composite, IReadOnlyList<FaceBox> Boxes, Tensor Posed) Composite(Tensor weights, MeshTopology topology, string texture, View? view = null)
        {
            var posed = Posed(weights, view?.Rotation);
            var cameraVertices = Camera.ToCameraSpace(posed);
            var rendered = Draw(cameraVertices, topology, view?.Lighting ?? _lighting, texture);
            var composite = (rendered.Image * rendered.Mask) + (_photo * (1 - rendered.Mask));
            var boxes = Boxes(cameraVertices, FacePipeline.PaddedLandmarkBox);
            if (view?.Crop is { } c)
            {
                boxes = boxes.Select((b, k) =>
                {
                    var (w, h) = (b.Width * (1 + c[3 * k]), b.Height * (1 + c[3 * k]));
                    var (cx, cy) = (b.X + (b.Width / 2) + (c[(3 * k) + 1] * b.Width), b.Y + (b.Height / 2) + (c[(3 * k) + 2] * b.Height));
                    return new FaceBox(cx - (w / 2), cy - (h / 2), w, h);
                }).ToList();
            }

            return (composite, boxes, posed);
        }

        /// <summary>The critic's face drawn as <see cref="TransferOptions.CriticTexture"/> asks.</summary>
        private RenderOutput Draw(Tensor cameraVertices, MeshTopology topology, Tensor lighting, string texture) => texture switch
        {
            "photo" when _uv is not null => _renderer.Render(cameraVertices, topology, _albedo, lighting, _uv, cullBackFaces: true),
            "upper-face" when _uv is not null => _renderer.Render(cameraVertices, topology, _albedo, lighting, _uv, cullBackFaces: true, textureWeight: _owner._upperFace),
            _ => _renderer.Render(cameraVertices, topology, _albedo, lighting, cullBackFaces: true),
        };

        /// <summary>The whole head as shown to people: with the subject's photo texture drawn unlit (the photo
        /// carries its own light), else the fitted albedo under the fitted light.</summary>
        public RenderOutput Display(Tensor weights, MeshTopology display)
        {
            var lighting = _uv is null ? _lighting : SphericalHarmonics.UnlitCodes((int)_lighting.shape[0], _lighting.device);
            return _renderer.Render(Camera.ToCameraSpace(Posed(weights)), display, _albedo, lighting, _uv, cullBackFaces: true);
        }

        /// <summary>A view the optimisation never saw: the head turned by <paramref name="yaw"/> (towards and past
        /// frontal) and lit by the fitted light mirrored left-right (the SH terms odd in x negated), rendered like the
        /// critic's view and composited over the photo crop.</summary>
        public (Tensor Image, IReadOnlyList<FaceBox> Boxes) HeldOut(Tensor weights, MeshTopology topology, double yaw, string texture)
        {
            var current = _angles[0, 1].item<float>();
            var turned = _angles.clone();
            turned[0, 1] = turned[0, 1] - (Math.Sign(current == 0 ? 1 : current) * yaw);
            var rotation = FaceModel.ComputeRotation(turned).expand(_count, 3, 3);
            var cameraVertices = Camera.ToCameraSpace(Posed(weights, rotation));
            var rendered = Draw(cameraVertices, topology, _lighting * MirrorLight(_lighting.device), texture);
            var image = (rendered.Image * rendered.Mask) + (_photo * (1 - rendered.Mask));
            return (image, Boxes(cameraVertices, FacePipeline.PaddedLandmarkBox));
        }

        /// <summary>Multiplier [27] of the SH lighting that mirrors it left-right (the terms odd in x negated, per colour).</summary>
        private static Tensor MirrorLight(Device device)
        {
            var mirror = ones(27, device: device);
            foreach (var c in new[] { 0, 9, 18 })
            {
                foreach (var k in new[] { 3, 4, 7 })
                {
                    mirror[c + k] = -1;
                }
            }

            return mirror;
        }

        /// <summary>face-api's alignment boxes of posed heads [N, V, 3].</summary>
        public IReadOnlyList<FaceBox> DescriptorBoxes(Tensor posed) =>
            Boxes(Camera.ToCameraSpace(posed), p => FaceAligner.DescriptorBox(p));

        private IReadOnlyList<FaceBox> Boxes(Tensor cameraVertices, Func<IReadOnlyList<(double X, double Y)>, FaceBox> box)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var ids = _owner.Model.LandmarkIndices;
            var projected = Camera.Project(cameraVertices.detach().index_select(1, ids)).cpu().data<float>().ToArray();
            var boxes = new List<FaceBox>();
            for (var k = 0; k < cameraVertices.shape[0]; k++)
            {
                var points = Enumerable.Range(0, 68).Select(i => ((double)projected[(k * 68 + i) * 3], (double)projected[((k * 68 + i) * 3) + 1])).ToArray();
                boxes.Add(box(points));
            }

            return boxes;
        }
    }
}
